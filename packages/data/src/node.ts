// Node-only surface of @flotilla/data (`@flotilla/data/node`): what needs Node's zlib and streams
// (PNG encoding through pngjs) and must stay out of the browser bundle of the join page.

export { syntheticClinicsCsv, syntheticShapeImages, syntheticCorpus, zipFolder, SYNTHETIC_SHAPES } from './synthetic.ts';
export type { SyntheticClinicsOptions, SyntheticShapesOptions } from './synthetic.ts';
