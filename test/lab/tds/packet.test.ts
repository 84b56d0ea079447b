import { describe, expect, it } from 'vitest';
import { frameMessage, MessageAssembler } from '../../../src/lab/tds/packet.js';
import { deobfuscatePassword } from '../../../src/lab/tds/login7.js';

describe('packet framing', () => {
  it('splits a message into packets of the negotiated size with increasing ids and EOM on the last', () => {
    const payload = Buffer.from(Array.from({ length: 1200 }, (_, i) => i & 0xff));
    let id = 254;
    const framed = frameMessage(payload, 512, 57, () => (id = (id + 1) & 0xff));
    const packets: { status: number; length: number; spid: number; id: number }[] = [];
    for (let at = 0; at < framed.length; at += framed.readUInt16BE(at + 2)) {
      expect(framed[at]).toBe(0x04);
      packets.push({ status: framed[at + 1]!, length: framed.readUInt16BE(at + 2), spid: framed.readUInt16BE(at + 4), id: framed[at + 6]! });
    }
    expect(packets).toEqual([
      { status: 0, length: 512, spid: 57, id: 255 },
      { status: 0, length: 512, spid: 57, id: 0 },
      { status: 1, length: 1200 - 2 * 504 + 8, spid: 57, id: 1 },
    ]);
  });

  it('reassembles packets split at every possible byte boundary', () => {
    const payload = Buffer.from('héllo wörld '.repeat(100), 'utf16le');
    const framed = frameMessage(payload, 512, 1, () => 1);
    for (const cut of [1, 7, 8, 9, 511, 512, 513, framed.length - 1]) {
      const assembler = new MessageAssembler();
      const first = assembler.push(framed.subarray(0, cut));
      const second = assembler.push(framed.subarray(cut));
      const messages = [...first, ...second];
      expect(messages.length, `cut at ${cut}`).toBe(1);
      expect(messages[0]!.payload.equals(payload)).toBe(true);
    }
  });

  it('rejects a packet whose length is shorter than its header', () => {
    const assembler = new MessageAssembler();
    expect(() => assembler.push(Buffer.from([0x01, 0x01, 0x00, 0x03, 0, 0, 0, 0]))).toThrow(expect.objectContaining({ code: 'LAB_TDS_PROTOCOL' }));
  });

  it('de-obfuscates LOGIN7 passwords', () => {
    const plain = Buffer.from('Pa$$w0rd✓', 'utf16le');
    const scrambled = Buffer.from(plain.map((b) => (((b << 4) | (b >> 4)) & 0xff) ^ 0xa5));
    expect(deobfuscatePassword(scrambled)).toBe('Pa$$w0rd✓');
  });
});
