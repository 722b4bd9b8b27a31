import assert from "node:assert/strict";
import {
  chunkExternalMagicOk,
  chunkGetBlock,
  chunkGetValue,
  chunkIsExternal,
  chunkSetHeader,
  chunkSetHeaderExternal,
  MCTX_ASET_ID,
  MCTX_BUMP_ID,
  MEMORYCHUNK_MAX_VALUE,
  pointerMethodId,
} from "../src/memorychunk.ts";

/** The 64-bit word PostgreSQL would store, computed with BigInt as a reference. */
function pgHdrMask(blockOffset: number, value: number, method: number): bigint {
  return (BigInt(blockOffset) << 34n) | (BigInt(value) << 5n) | BigInt(method);
}

function readWord(m: Int32Array, chunk: number): bigint {
  return (BigInt(m[(chunk >>> 2) + 1] >>> 0) << 32n) | BigInt(m[chunk >>> 2] >>> 0);
}

Deno.test("chunk header has PostgreSQL's bit layout for every field boundary", () => {
  const cases: Array<[number, number, number]> = [
    [0, 0, MCTX_ASET_ID],
    [8, 1, MCTX_ASET_ID],
    [40, 10, MCTX_ASET_ID],
    [4096, 0x7ffffff, MCTX_BUMP_ID],
    [8, 0x8000000, MCTX_ASET_ID], // value bit 27 crosses into the high word
    [1 << 20, MEMORYCHUNK_MAX_VALUE, 15],
    [0x00fffff8, 12345, 4],
  ];
  for (const [offset, value, method] of cases) {
    const block = 64;
    const chunk = block + offset;
    const big = new Int32Array(((chunk + 16) >>> 2) + 4);
    chunkSetHeader(big, chunk, block, value, method);
    assert.equal(readWord(big, chunk), pgHdrMask(offset, value, method), `offset ${offset}`);
    assert.equal(chunkGetValue(big, chunk), value);
    assert.equal(chunkGetBlock(big, chunk), block);
    assert.equal(chunkIsExternal(big, chunk), false);
    assert.equal(pointerMethodId(big, chunk + 8), method);
  }
});

Deno.test("external chunk header carries the flag, the method id and the magic pattern", () => {
  const m = new Int32Array(64);
  chunkSetHeaderExternal(m, 16, MCTX_ASET_ID);
  assert.equal(chunkIsExternal(m, 16), true);
  assert.equal(chunkExternalMagicOk(m, 16), true);
  assert.equal(pointerMethodId(m, 24), MCTX_ASET_ID);
  const magic = 0xB1A8DB858EB6EFBAn >> 5n << 5n;
  assert.equal(readWord(m, 16), magic | 0x10n | BigInt(MCTX_ASET_ID));
  m[5] ^= 1; // stomp on the high half
  assert.equal(chunkExternalMagicOk(m, 16), false);
});
