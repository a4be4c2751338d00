/** Internals of the Avro steps: decoders, encoders, converters, Flink functions and serializers. */
package dev.etlkit.operators.avro.internal;
