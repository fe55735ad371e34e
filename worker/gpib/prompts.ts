import type { PromptSpec } from '../../protocol/index.js';

const bridgeArg = {
  name: 'bridge_name',
  description: 'The bridge to work on, e.g. bench-a.',
  required: true,
};
const addressArg = { name: 'address', description: 'GPIB primary address, 1–30.', required: true };

/** Guided GPIB workflows, served as MCP prompts. */
export const gpibPrompts: PromptSpec[] = [
  {
    name: 'first_bench_setup',
    title: 'Set up a GPIB bench',
    description: 'Bring up every configured bridge and find out what is connected.',
    arguments: [],
    template:
      'Set up the GPIB bench. 1) Call list_bridges. 2) For each bridge that is not connected, call ' +
      'connect_bridge and report its firmware or the exact error. 3) Call bus_diagnostic on each ' +
      'connected bridge and report any findings. 4) Call list_instruments and present a table of ' +
      'bridge, address, manufacturer, model and serial. Do not send any command that changes an ' +
      'instrument.',
  },
  {
    name: 'identify_bus',
    title: 'Identify everything on a bus',
    description: 'Scan one bus and identify every instrument on it.',
    arguments: [bridgeArg],
    template:
      'Identify every instrument on {{bridge_name}}: call bus_scan with bridge_name "{{bridge_name}}" ' +
      'and identify true. For each listener without an identity, say that it does not answer *IDN? ' +
      '(older instruments such as the HP 3478A do not) and suggest what it might be from its address. ' +
      'Finish with a table of address, manufacturer, model, serial and firmware.',
  },
  {
    name: 'measurement_series',
    title: 'Take a measurement series',
    description:
      'Configure an instrument once, then read it repeatedly and summarise the readings.',
    arguments: [
      bridgeArg,
      addressArg,
      { name: 'query', description: 'The measurement query, e.g. MEAS:VOLT:DC?', required: true },
      { name: 'count', description: 'How many readings, e.g. 10.', required: true },
    ],
    template:
      'Take {{count}} readings from the instrument at address {{address}} on {{bridge_name}}. First ' +
      'call instrument_identify to confirm what it is. Then call instrument_query with command ' +
      '"{{query}}" {{count}} times. Report each reading with its unit, then the mean, standard ' +
      'deviation, minimum and maximum. If a call fails, report the error text and stop.',
  },
  {
    name: 'troubleshoot_silent_instrument',
    title: 'Troubleshoot a silent instrument',
    description: 'Work out why an instrument does not answer.',
    arguments: [bridgeArg, addressArg],
    template:
      'The instrument at address {{address}} on {{bridge_name}} does not answer. Diagnose it step by ' +
      'step and stop when you find the cause: 1) bridge_status: is the bridge connected, what is ' +
      'read_tmo_ms? 2) bus_diagnostic: does the adapter answer and report the expected settings? ' +
      '3) bus_scan with identify false: is there a listener at {{address}}? If not, the address or ' +
      'cabling is wrong. 4) serial_poll at {{address}}: does it respond, and is the error bit (EAV) or ' +
      'ESB set? 5) instrument_query "SYST:ERR?" to read its error queue. 6) If it is slow, ' +
      'configure_bridge with a larger read_tmo_ms (below read_timeout_ms) and retry. 7) As a last ' +
      'resort bus_clear at {{address}}. Report what you found.',
  },
  {
    name: 'handle_service_request',
    title: 'Handle a service request',
    description: 'Find out which instrument asserted SRQ and why, and clear it.',
    arguments: [bridgeArg],
    template:
      'An instrument on {{bridge_name}} may be requesting service. Call check_srq with bridge_name ' +
      '"{{bridge_name}}". For each requesting device, read its status byte bits: MAV means output is ' +
      'waiting (read it with instrument_query only if you know the query that produced it), ESB means ' +
      'an event: query "*ESR?" (this clears it) and "SYST:ERR?" until "+0". Report the cause. To wait ' +
      'for the next request instead of polling by hand, use wait_srq.',
  },
];
