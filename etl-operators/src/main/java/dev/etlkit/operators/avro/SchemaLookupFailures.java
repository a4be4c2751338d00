package dev.etlkit.operators.avro;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What an exception of {@link SchemaProvider#schemaById(int)} does to the step that asked: {@link
 * Avro.DecodeStep#withSchemaLookupFailures} and {@code
 * Debezium.DecodeStep.withSchemaLookupFailures} (default {@link
 * Avro#DEFAULT_SCHEMA_LOOKUP_FAILURES}: {@link #FAIL_TASK}).
 *
 * <p>An exception means the lookup failed (the registry is down, a timeout), not that the record is
 * bad: an id the provider does not know (it returns null), a wrong magic byte or truncated data are
 * dead letters whatever this says. An {@link InterruptedException} (the task is being cancelled)
 * always fails the task and keeps the thread's interrupt flag.
 */
@PublicEvolving
public enum SchemaLookupFailures {
  /**
   * The task fails with an {@code EtlException} naming the step, the schema id and the provider's
   * exception class, and Flink restarts it by its restart strategy (as Flink's own {@code
   * avro-confluent} format does): no record is passed over while the registry is down. The
   * provider's message is not copied (it may hold registry URLs or credentials); its stack trace is
   * kept.
   */
  FAIL_TASK,
  /**
   * The record at hand becomes a dead letter ({@link AvroFormatException} naming the schema id and
   * the provider's exception class) under the step's error policy, and the job goes on: during an
   * outage every record of the stream becomes one, to be replayed by you.
   */
  DEAD_LETTER
}
