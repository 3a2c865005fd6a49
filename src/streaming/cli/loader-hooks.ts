// Why: module hooks for job files run by `eddy stream run`: `import ... from 'eddy'` resolves to
// this package (a job needs no install step), and .ts/.mts job files are compiled on the fly with
// the typescript package (Node 20 cannot strip types itself).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

let eddyUrl = '';

export function initialize(data: { eddyUrl: string }): void {
  eddyUrl = data.eddyUrl;
}

interface ResolveContext {
  parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null }>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<{ url: string; format?: string | null; shortCircuit?: boolean }> {
  if (specifier === 'eddy') return { url: eddyUrl, shortCircuit: true };
  try {
    return await next(specifier, context);
  } catch (e) {
    // A TypeScript job importing './helper.js' written as helper.ts.
    if (context.parentURL && /\.m?ts$/.test(context.parentURL) && /^\.{1,2}\/.*\.m?js$/.test(specifier)) {
      return next(specifier.replace(/\.(m?)js$/, '.$1ts'), context);
    }
    throw e;
  }
}

type NextLoad = (url: string, context: object) => Promise<{ format: string; source?: string | ArrayBuffer | Uint8Array }>;

export async function load(url: string, context: object, next: NextLoad): Promise<{ format: string; source?: string | ArrayBuffer | Uint8Array; shortCircuit?: boolean }> {
  if (!/^file:.*\.m?ts$/.test(url)) return next(url, context);
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error(`${fileURLToPath(url)}: TypeScript job files need the typescript package (npm install -D typescript), or compile the job to .js/.mjs`);
  }
  const text = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(text, {
    fileName: fileURLToPath(url),
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
