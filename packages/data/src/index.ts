// Public surface of @flotilla/data: datasets of any schema, their importers (CSV, IDX, text), the MNIST loader and the partitioners.

export { DataFormatError, DatasetImportError, PartitionError, PartyTableError } from './errors.ts';
export type { DataFormatErrorCode, DatasetImportErrorCode, ImportLocation, PartitionErrorCode, PartyTableErrorCode } from './errors.ts';
export { parseIdx } from './idx.ts';
export type { IdxDtype, IdxTensor } from './idx.ts';
export { loadMnist, loadMnistLabels, MNIST_TRAIN_SIZE, MNIST_TEST_SIZE } from './mnist.ts';
export type { LoadMnistOptions, MnistSplit, MnistSplitName } from './mnist.ts';
export { partitionIndices, clientPartition } from './partition.ts';
export { parsePartitionSpec, validatePartitionSpec, DEFAULT_SHARDS_PER_CLIENT } from './partitionSpec.ts';
export type { PartitionSpec, IidPartitionSpec, ShardsPartitionSpec, DirichletPartitionSpec } from './partitionSpec.ts';
export { labelHistogram, partitionUnion, gatherExamples } from './examples.ts';
export type { GatheredExamples } from './examples.ts';
export { mnistColumnBands, poolMnist, binarizeDigits, splitVertically, selectRows } from './vertical.ts';
export type { VerticalPartyData, VerticalSplitOptions } from './vertical.ts';
export { simulateVerticalMnist } from './verticalSimulation.ts';
export type { VerticalSimulation, VerticalSimulationTables } from './verticalSimulation.ts';
export type { VerticalPartyTable, SimulatedPartyTable } from './partyTable.ts';
export { parsePartyCsv, assignClasses, formatPartyCsv, MAX_PARTY_ROWS } from './partyCsv.ts';
export type { PartyCsvOptions, PartyCsvTable, LabelTask } from './partyCsv.ts';
export { mnistDataset, exampleSize, hasClassLabels, checkDataset, selectExamples, concatDatasets } from './dataset.ts';
export type { Dataset } from './dataset.ts';
export { parseCsv, checkBytes, DEFAULT_IMPORT_LIMITS } from './csv.ts';
export type { CsvRecord, CsvTable, ImportLimits } from './csv.ts';
export { inferTabularSchema, importCsvDataset, MAX_CATEGORIES } from './tabular.ts';
export type { InferTabularOptions, ImportCsvOptions } from './tabular.ts';
