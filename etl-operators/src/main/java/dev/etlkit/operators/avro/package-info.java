/**
 * Avro steps ({@link dev.etlkit.operators.avro.Avro}): Avro binary and the Confluent wire format to
 * {@code GenericRecord} or {@code SpecificRecord} and back, plain JSON and Java objects to {@code
 * GenericRecord}, with schema evolution, logical types and Flink types that never fall back to
 * Kryo. Every record a step cannot handle becomes exactly one dead letter.
 */
package dev.etlkit.operators.avro;
