// Prometheus metrics of one coordinator, on a registry of its own so that several apps (tests)
// can live in one process.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class CoordinatorMetrics {
  readonly registry = new Registry();
  readonly connectedClients = new Gauge({ name: 'flotilla_connected_clients', help: 'Clients connected over WebSocket', registers: [this.registry] });
  readonly rounds = new Counter({ name: 'flotilla_rounds_total', help: 'Rounds ended, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly roundSeconds = new Histogram({
    name: 'flotilla_round_duration_seconds', help: 'Wall time of committed rounds', buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300], registers: [this.registry],
  });
  readonly dropouts = new Counter({ name: 'flotilla_client_dropouts_total', help: 'Selected clients that dropped out', labelNames: ['reason'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'flotilla_rejected_messages_total', help: 'Client messages refused, by error code', labelNames: ['code'], registers: [this.registry] });
  readonly lateReports = new Counter({ name: 'flotilla_late_reports_total', help: 'Reports for a round no longer open', registers: [this.registry] });
  readonly bytesReceived = new Counter({ name: 'flotilla_bytes_received_total', help: 'Bytes received from clients', registers: [this.registry] });
  readonly bytesSent = new Counter({ name: 'flotilla_bytes_sent_total', help: 'Bytes of model weights served', registers: [this.registry] });
  readonly modelWorkerFailures = new Counter({ name: 'flotilla_model_worker_failures_total', help: 'Model worker threads that died or timed out, by job', labelNames: ['job'], registers: [this.registry] });
  readonly accuracy = new Gauge({ name: 'flotilla_test_accuracy', help: 'Test accuracy of the latest global model', labelNames: ['task'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'flotilla_' });
  }
}
