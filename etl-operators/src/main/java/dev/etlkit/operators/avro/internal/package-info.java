/**
 * Internals of the Avro steps: decoders, encoders, converters, Flink functions and serializers, and
 * the steps' options, their rules and what the steps become when applied.
 */
package dev.etlkit.operators.avro.internal;
