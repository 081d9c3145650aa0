export async function runDemo(_options: { agents: number; keep: boolean }): Promise<void> {
  throw new Error("not yet");
}
