// Process-wide allocator settings for the arrays NumPy allocates around the kernels.
#pragma once

namespace deepgrad {

// glibc: serve blocks up to 32 MiB (glibc's ceiling for this setting) from the heap, and keep up to 1 GiB of freed
// heap instead of handing it back. By default glibc maps each large block afresh (its adaptive threshold soon
// stops helping under a training loop's mix of sizes) and every page of a fresh mapping costs a page fault on first
// touch: about a fifth of a char-GPT training step on a 2-core VM. Returns false where it does not apply.
bool keep_large_blocks();

}  // namespace deepgrad
