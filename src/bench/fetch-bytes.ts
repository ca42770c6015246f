// Fetches one of the page's own assets as bytes, with an error that says which file failed and
// what to do about it.
const REBUILD = 'Rebuild the page (npm run build) and serve the build with vite preview.';

export class BenchAssetError extends Error {
  constructor(url: string, why: string, hint = REBUILD) {
    super(`The benchmark page could not load ${url} (${why}). ${hint}`);
    this.name = 'BenchAssetError';
  }
}

export async function fetchBytes(url: string, hint = REBUILD): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new BenchAssetError(url, (e as Error).message, hint);
  }
  if (!response.ok) throw new BenchAssetError(url, `HTTP ${response.status}`, hint);
  // A single-page-app server answers a missing file with index.html and status 200.
  if (response.headers.get('content-type')?.includes('text/html')) throw new BenchAssetError(url, 'the server answered with an HTML page: the file is not there', hint);
  return new Uint8Array(await response.arrayBuffer());
}
