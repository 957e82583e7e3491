// Public surface of @flotilla/data: the IDX parser, the MNIST loader and the federated partitioners.

export { DataFormatError, PartitionError, PartyTableError } from './errors.ts';
export type { DataFormatErrorCode, PartitionErrorCode, PartyTableErrorCode } from './errors.ts';
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
