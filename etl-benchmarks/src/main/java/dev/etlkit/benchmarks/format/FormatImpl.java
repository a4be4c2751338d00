package dev.etlkit.benchmarks.format;

/** The variants {@link FormatConversionBenchmark} runs side by side (see {@code BENCHMARKS.md}). */
public enum FormatImpl {
  /**
   * etlkit's steps through the typed record: {@code Json.parse} → {@code Avro.fromPojo} → {@code
   * Avro.encode}, and back {@code Avro.decode} → {@code Avro.toJson} ({@link EtlkitConverters}).
   */
  ETLKIT {
    @Override
    Converter create(Shape shape, Direction direction) {
      return direction == Direction.JSON_TO_AVRO
          ? EtlkitConverters.jsonToAvroTyped(shape.type(), shape.avroSchema())
          : EtlkitConverters.avroToJson(shape.avroSchema());
    }
  },
  /**
   * etlkit's steps without the typed record: {@code Avro.fromJson} → {@code Avro.encode}; back the
   * same as {@link #ETLKIT} (so there the two are an A/A comparison, a measure of the noise).
   */
  ETLKIT_GENERIC {
    @Override
    Converter create(Shape shape, Direction direction) {
      return direction == Direction.JSON_TO_AVRO
          ? EtlkitConverters.jsonToAvroGeneric(shape.avroSchema())
          : EtlkitConverters.avroToJson(shape.avroSchema());
    }
  },
  /**
   * Flink's own {@code flink-json} and {@code flink-avro} row formats ({@link FlinkSqlConverters}).
   */
  FLINK_SQL {
    @Override
    Converter create(Shape shape, Direction direction) throws Exception {
      return direction == Direction.JSON_TO_AVRO
          ? FlinkSqlConverters.jsonToAvro(shape.rowType())
          : FlinkSqlConverters.avroToJson(shape.rowType());
    }
  },
  /** The least work: Jackson streaming ↔ Avro binary encoder/decoder with reused buffers. */
  LIMIT {
    @Override
    Converter create(Shape shape, Direction direction) {
      return direction == Direction.JSON_TO_AVRO
          ? new LimitJsonToAvro(shape.avroSchema())
          : new LimitAvroToJson(shape.avroSchema());
    }
  };

  /** A converter of this impl for one shape and direction, ready to convert. */
  abstract Converter create(Shape shape, Direction direction) throws Exception;
}
