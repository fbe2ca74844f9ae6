// Entry bounds checks: a kernel validates its columns once, then runs unchecked.

/** Whether `bytes` bytes at `ptr` lie inside the current linear memory. */
// @ts-ignore: decorator
@inline export function fits(ptr: usize, bytes: u64): bool {
  return <u64>ptr + bytes <= (<u64>memory.size() << 16);
}
