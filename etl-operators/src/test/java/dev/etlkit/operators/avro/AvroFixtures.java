package dev.etlkit.operators.avro;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.avro.internal.AvroData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.InstantiationUtil;

/** Schemas, records and bytes shared by the Avro tests. */
public final class AvroFixtures {
  private AvroFixtures() {}

  /** Planted in payloads of bad records: must never show in a message, log or exception. */
  public static final String SECRET = "SECRET-4711-do-not-log";

  public static final Schema ORDER_V1 = schema("order-v1.avsc");
  public static final Schema ORDER_V2 = schema("order-v2.avsc");
  public static final Schema ORDER_V0_INCOMPATIBLE = schema("order-v0-incompatible.avsc");
  public static final Schema EVERYTHING = schema("everything.avsc");

  public static final UUID ORDER_ID = UUID.fromString("7d3c9a52-4c1e-4f7a-9a8e-0c4b2f1d6e11");
  public static final Instant PLACED_AT = Instant.parse("2024-05-01T10:15:30.123Z");

  public static Schema schema(String file) {
    try (InputStream in =
        AvroFixtures.class.getResourceAsStream("/dev/etlkit/operators/avro/schemas/" + file)) {
      if (in == null) {
        throw new IllegalStateException("no schema resource " + file);
      }
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An order as version 1 producers write it. */
  public static GenericRecord orderV1(String customer, String amount) {
    GenericRecord r = new AvroData.Record(ORDER_V1);
    r.put("id", ORDER_ID);
    r.put("customer", customer);
    r.put("amount", new BigDecimal(amount));
    r.put("placedAt", PLACED_AT);
    r.put("legacyCode", 7);
    return r;
  }

  /** An order as version 2 producers write it. */
  public static GenericRecord orderV2(String customer, String amount) {
    GenericRecord r = new AvroData.Record(ORDER_V2);
    r.put("id", ORDER_ID);
    r.put("customer", customer);
    r.put("amount", new BigDecimal(amount));
    r.put("placedAt", PLACED_AT);
    r.put("channel", "app");
    r.put("note", null);
    return r;
  }

  /** A record of every type, with the given label and long values. */
  public static GenericRecord everything(String label, long total) {
    Schema s = EVERYTHING;
    GenericRecord address = new AvroData.Record(s.getField("address").schema());
    address.put("street", "Main St 1");
    address.put("zip", "12345");
    GenericRecord r = new AvroData.Record(s);
    r.put("flag", true);
    r.put("count", 42);
    r.put("total", total);
    r.put("ratio", 0.5f);
    r.put("score", -1.25);
    r.put("label", label);
    r.put("blob", ByteBuffer.wrap(new byte[] {1, 2, 3}));
    r.put("code", new GenericData.Fixed(s.getField("code").schema(), new byte[] {9, 8, 7, 6}));
    r.put("color", new GenericData.EnumSymbol(s.getField("color").schema(), "GREEN"));
    r.put("values", new GenericData.Array<>(s.getField("values").schema(), List.of(1L, -2L, 3L)));
    r.put("attributes", Map.of("k", "v"));
    r.put("address", address);
    r.put("nickname", null);
    r.put("price", new BigDecimal("12345.6789"));
    r.put("discount", new BigDecimal("0.15"));
    r.put("day", LocalDate.of(2024, 2, 29));
    r.put("clock", LocalTime.of(23, 59, 58, 123_000_000));
    r.put("createdMillis", Instant.parse("2024-05-01T10:15:30.123Z"));
    r.put("createdMicros", Instant.parse("1969-12-31T23:59:59.999999Z"));
    r.put("localMicros", LocalDateTime.of(2024, 5, 1, 10, 15, 30, 123_456_000));
    r.put("uid", ORDER_ID);
    return r;
  }

  /** Plain Avro binary of {@code record}, written by Avro's own writer. */
  public static byte[] binary(GenericRecord record) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      new GenericDatumWriter<GenericRecord>(record.getSchema(), AvroData.get())
          .write(record, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code body} behind a Confluent header with {@code schemaId}. */
  public static byte[] confluent(int schemaId, byte[] body) {
    byte[] framed = new byte[body.length + 5];
    framed[1] = (byte) (schemaId >>> 24);
    framed[2] = (byte) (schemaId >>> 16);
    framed[3] = (byte) (schemaId >>> 8);
    framed[4] = (byte) schemaId;
    System.arraycopy(body, 0, framed, 5, body.length);
    return framed;
  }

  /** Turns off Flink's Kryo fallback, so a generic type fails the test. */
  public static void disableGenericTypes(ExecutionConfig config) {
    Configuration noKryo = new Configuration();
    noKryo.set(PipelineOptions.GENERIC_TYPES, false);
    config.getSerializerConfig().configure(noKryo, AvroFixtures.class.getClassLoader());
  }

  public static List<DeadLetter> deadLetters(OneInputStreamOperatorTestHarness<?, ?> harness) {
    return harness.getSideOutput(DeadLetter.OUTPUT_TAG) == null
        ? List.of()
        : harness.getSideOutput(DeadLetter.OUTPUT_TAG).stream()
            .map(StreamRecord::getValue)
            .collect(Collectors.toList());
  }

  public static RecordAccounting accounting(OneInputStreamOperatorTestHarness<?, ?> harness) {
    Map<String, Object> values =
        harness.getEnvironment().getAccumulatorRegistry().getUserMap().entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getLocalValue()));
    return RecordAccounting.of(values);
  }

  /**
   * A harness of a fresh copy of the function a one-operator {@code step} adds to a pipeline
   * "orders" of records of {@code type}, opened: the step as a job runs it, error policy and
   * accounting included.
   */
  @SuppressWarnings("unchecked")
  public static <T, O> OneInputStreamOperatorTestHarness<T, O> openStep(
      EtlStep<T, O> step, TypeInformation<T> type, T sample, TypeInformation<O> outputType)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    Transformation<O> transformation =
        Etl.from(env.fromData(type, sample), "orders")
            .apply(step)
            .toDataStream()
            .getTransformation();
    ProcessOperator<T, O> operator =
        (ProcessOperator<T, O>)
            ((SimpleOperatorFactory<O>)
                    ((OneInputTransformation<T, O>) transformation).getOperatorFactory())
                .getOperator();
    OneInputStreamOperatorTestHarness<T, O> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(InstantiationUtil.clone(operator.getUserFunction())), 1, 1, 0);
    disableGenericTypes(harness.getExecutionConfig());
    harness.setup(outputType.createSerializer(harness.getExecutionConfig().getSerializerConfig()));
    harness.open();
    return harness;
  }
}
