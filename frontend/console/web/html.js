// htm bound to Preact once, so every module writes markup the same way without a JSX build.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
