/** SCPI / IEEE 488.2 names of the status-byte bits. */
const BITS: Array<[number, string]> = [
  [1, 'bit0'],
  [2, 'bit1'],
  [4, 'EAV'],
  [8, 'QUES'],
  [16, 'MAV'],
  [32, 'ESB'],
  [64, 'RQS'],
  [128, 'OPER'],
];

/** A polled status byte as the GPIB methods report it. */
export function describeStatusByte(address: number, status: number | null) {
  return {
    address,
    status_byte: status,
    rqs: status !== null && (status & 64) !== 0,
    bits:
      status === null ? [] : BITS.filter(([mask]) => (status & mask) !== 0).map(([, name]) => name),
  };
}
