/** How far this thread's memory (heap and buffers) has grown since a start, at its highest: sampled by the caller. */
export function memoryPeak(): { sample(): void; growthMb(): number } {
  const memory = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const start = memory();
  let peak = start;
  return {
    sample: () => {
      peak = Math.max(peak, memory());
    },
    growthMb: () => (peak - start) / 1e6,
  };
}
