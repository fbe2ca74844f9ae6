// What a call ends with, as text a test can compare whole: "ok", or the code and message it threw.

/** "ok", or `<code>: <message>` of what `step` threw (or rejected with). */
export async function outcome(step: () => unknown): Promise<string> {
  try {
    await step();
    return "ok";
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
}
