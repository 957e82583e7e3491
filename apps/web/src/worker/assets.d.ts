// Vite's `?url` imports of the tfjs WASM binaries, typed for the repository-wide tsc run (which
// does not load vite/client's ambient types).

declare module '*.wasm?url' {
  const url: string;
  export default url;
}
