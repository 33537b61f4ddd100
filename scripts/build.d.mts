// Types of scripts/build.mjs for the TypeScript that imports it (the board's browser test builds the board with it).
export function staleReason(outDir: string): string | null;
export function buildBoard(outDir: string): Promise<{ ms: number; bytes: { js: number; css: number } }>;
export function build(outDir: string): Promise<{ ms: number; assets: number; board: { js: number; css: number } }>;
