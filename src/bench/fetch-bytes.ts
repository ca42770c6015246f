// Fetches one of the page's own assets as bytes, with an error that says which file failed.
export class BenchAssetError extends Error {
  constructor(url: string, why: string) {
    super(`The benchmark page could not load ${url} (${why}). Rebuild the page (npm run build) and serve the build with vite preview.`);
    this.name = 'BenchAssetError';
  }
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new BenchAssetError(url, (e as Error).message);
  }
  if (!response.ok) throw new BenchAssetError(url, `HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}
