// A short two-note chime for a new approval request, synthesised (no audio file). Browsers keep
// audio muted until the person interacts with the page, so the AudioContext is created on the
// first click or key press; before that, the tab title still shows the count.

let ctx = null;
let lastChime = 0;

export function armAudio() {
  const unlock = () => {
    try {
      ctx ??= new (window.AudioContext || window.webkitAudioContext)();
      if (ctx.state === 'suspended') ctx.resume();
    } catch {
      ctx = null; // no Web Audio: the title and the card are the notification
    }
    if (ctx?.state === 'running') {
      window.removeEventListener('pointerdown', unlock, true);
      window.removeEventListener('keydown', unlock, true);
    }
  };
  window.addEventListener('pointerdown', unlock, true);
  window.addEventListener('keydown', unlock, true);
}

export function audioReady() {
  return ctx !== null && ctx.state === 'running';
}

export function chime() {
  if (!audioReady()) return;
  const now = ctx.currentTime;
  // Several requests in one burst get one chime, not a racket.
  if (now - lastChime < 1.5) return;
  lastChime = now;
  note(880, now, 0.14);
  note(1318.5, now + 0.13, 0.22);
}

function note(freq, start, length) {
  const osc = ctx.createOscillator();
  const gain = ctx.createGain();
  osc.type = 'sine';
  osc.frequency.value = freq;
  // A quick attack and exponential decay: a bell, not a beep, and no click at the ends.
  gain.gain.setValueAtTime(0.0001, start);
  gain.gain.exponentialRampToValueAtTime(0.25, start + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
  osc.connect(gain).connect(ctx.destination);
  osc.start(start);
  osc.stop(start + length + 0.02);
}
