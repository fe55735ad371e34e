/**
 * `++` commands raw_command refuses unless the config lists them in gpib.allow_raw_commands,
 * each with the reason a model is told.
 */
export const GUARDED_COMMANDS: Record<string, string> = {
  '++savecfg': 'writes the adapter EEPROM whatever its argument (AR488 save_h() ignores it)',
  '++rst': 'reboots the adapter; a Wi-Fi bridge drops its connection',
  '++mode 0': 'switches the adapter to device mode: it stops being the bus controller',
  '++wifi': 'changes or reveals the adapter Wi-Fi credentials',
  '++xdiag': 'drives the GPIB lines directly for seconds (hardware diagnostics)',
  '++repeat': 'repeats a command with no way to stop it',
};

/**
 * Returns why `command` is refused, or null when it may be sent. Matching is on the command word,
 * case-insensitive as the firmware parses it (TL strcasecmp); `++mode` only when it asks for 0.
 */
export function refusedRawCommand(command: string, allowed: readonly string[]): string | null {
  const [word, ...args] = command.trim().split(/\s+/);
  const token = word.toLowerCase();
  const key = token === '++mode' ? (args[0] === '0' ? '++mode 0' : null) : token;
  if (key === null || !(key in GUARDED_COMMANDS)) return null;
  if (allowed.map((a) => a.toLowerCase().trim()).includes(key)) return null;
  return `${key} is refused: it ${GUARDED_COMMANDS[key]}. Allow it with gpib.allow_raw_commands: ["${key}"] in the config if you mean it`;
}
