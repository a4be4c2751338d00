package dev.etlkit.operators.cdc;

import static dev.etlkit.operators.cdc.ConnectRecords.values;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.DebeziumAvroTest.Twin;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Generated PostgreSQL change events (every {@code op}, before-images full, key-only or absent,
 * after-images or none, every column of {@link TypedRow} null or holding a generated value, some of
 * them out of range or malformed), each written by {@link ConnectRecords} both as {@code
 * JsonConverter} and as {@code AvroConverter} would: the Avro twin decodes to exactly the changes,
 * dead letters and counts of the JSON twin, which is the oracle.
 */
class DebeziumAvroPropertiesTest {

  @Nullable private static DecoderHarness<RawRecord, TypedRow> json;
  @Nullable private static DecoderHarness<RawRecord, TypedRow> avro;

  private static DecoderHarness<RawRecord, TypedRow> json() throws Exception {
    if (json == null) {
      json = DecoderHarness.rawRecords(settings());
    }
    return json;
  }

  private static DecoderHarness<RawRecord, TypedRow> avro() throws Exception {
    if (avro == null) {
      avro = DecoderHarness.rawRecords(settings().withAvro(DebeziumAvroTest.POSTGRES.schemas()));
    }
    return avro;
  }

  private static DecoderSettings<TypedRow> settings() {
    return DecoderSettings.defaults(TypedRow.class).withTombstones(Tombstones.DELETE);
  }

  @AfterContainer
  static void closeHarnesses() throws Exception {
    if (json != null) {
      json.close();
      json = null;
    }
    if (avro != null) {
      avro.close();
      avro = null;
    }
  }

  /** A generated event: its parts, so that jqwik shows (and shrinks) them readably. */
  record Event(
      String op,
      int before, // 0 full, 1 key only, 2 none
      boolean after,
      Map<String, Object> row,
      Map<String, Object> oldRow,
      Source source,
      boolean tombstone) {

    Twin twin() {
      if (tombstone) {
        return DebeziumAvroTest.tombstone(DebeziumAvroTest.POSTGRES, (Integer) oldRow.get("id"));
      }
      Map<String, Object> beforeImage =
          switch (before) {
            case 0 -> oldRow;
            case 1 -> values("id", oldRow.get("id"));
            default -> null;
          };
      Map<String, Object> src =
          DebeziumAvroTest.pgSource(source.ts(), source.lsn() == null ? 0 : source.lsn(), "false");
      src.put("lsn", source.lsn());
      src.put("snapshot", source.snapshot());
      Map<String, Object> event =
          DebeziumAvroTest.event(op, beforeImage, after ? row : null, src, 0);
      event.put("ts_ms", source.envelopeTs());
      return DebeziumAvroTest.change(
          DebeziumAvroTest.POSTGRES, op, (Integer) oldRow.get("id"), event);
    }
  }

  /** The source block's positions and times, and the envelope's {@code ts_ms}. */
  record Source(
      long ts, @Nullable Long lsn, @Nullable String snapshot, @Nullable Long envelopeTs) {}

  @Provide
  Arbitrary<Event> events() {
    Arbitrary<Source> sources =
        Combinators.combine(
                Arbitraries.oneOf(
                    Arbitraries.longs().between(0, 4_102_444_800_000L), Arbitraries.longs()),
                Arbitraries.longs().between(0, Long.MAX_VALUE).injectNull(0.1),
                Arbitraries.of("true", "false", "last", "incremental").injectNull(0.2),
                Arbitraries.longs().between(0, 4_102_444_800_000L).injectNull(0.2))
            .as(Source::new);
    return Combinators.combine(
            Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("c", "r", "u", "d")),
                Tuple.of(1, Arbitraries.of("t", "m", "x", ""))),
            Arbitraries.integers().between(0, 2),
            Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.of(true)), Tuple.of(1, Arbitraries.of(false))),
            rows(),
            rows(),
            sources,
            Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.of(true)), Tuple.of(15, Arbitraries.of(false))))
        .as(Event::new);
  }

  @Property(tries = 300)
  void avroTwins_decodeLikeTheirJsonTwins(@ForAll("events") Event event) throws Exception {
    Twin twin = event.twin();

    RecordAccounting.StepCounts jsonBefore = json().counts();
    DecoderHarness.Emitted<TypedRow> fromJson = json().process(twin.json(1), 1);
    RecordAccounting.StepCounts jsonAfter = json().counts();
    RecordAccounting.StepCounts avroBefore = avro().counts();
    DecoderHarness.Emitted<TypedRow> fromAvro = avro().process(twin.avro(1), 1);
    RecordAccounting.StepCounts avroAfter = avro().counts();

    assertThat(fromAvro.changes()).usingRecursiveComparison().isEqualTo(fromJson.changes());
    assertThat(letters(fromAvro)).isEqualTo(letters(fromJson));
    assertThat(delta(avroBefore, avroAfter)).isEqualTo(delta(jsonBefore, jsonAfter));
    assertThat(delta(avroBefore, avroAfter).stream().mapToLong(Long::longValue).sum())
        .as("out + filtered + dead-lettered, for one record in")
        .isEqualTo(1);
    assertThat(fromAvro.deadLetters()).hasSizeLessThanOrEqualTo(1);
    String outcome =
        fromAvro.deadLetters().isEmpty()
            ? fromAvro.changes().isEmpty() ? "skipped" : "changes"
            : "dead letter";
    Statistics.label("outcome")
        .collect(outcome)
        .coverage(
            c -> {
              c.check("changes").percentage(p -> p > 25);
              c.check("dead letter").percentage(p -> p > 10);
            });
  }

  private static List<String> letters(DecoderHarness.Emitted<TypedRow> emitted) {
    return emitted.deadLetters().stream()
        .map(l -> l.errorClass() + ": " + l.errorMessage())
        .toList();
  }

  /** out, filtered and dead-lettered by one record (one in: they add up to one). */
  private static List<Long> delta(
      RecordAccounting.StepCounts before, RecordAccounting.StepCounts after) {
    assertThat(after.in() - before.in()).isEqualTo(1);
    return List.of(
        after.out() - before.out(),
        after.filtered() - before.filtered(),
        after.deadLettered() - before.deadLettered());
  }

  private static byte[] unscaled(BigInteger unscaled) {
    return unscaled.toByteArray();
  }

  @Provide
  Arbitrary<Map<String, Object>> rows() {
    Arbitrary<Long> big = Arbitraries.longs().injectNull(0.2);
    // numeric(10,2): mostly within the precision, sometimes beyond it
    Arbitrary<byte[]> price =
        Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(-9_999_999_999L, 9_999_999_999L)),
                Tuple.of(1, Arbitraries.longs()))
            .map(v -> unscaled(BigInteger.valueOf(v)))
            .injectNull(0.2);
    Arbitrary<Long> micros =
        Arbitraries.oneOf(
                Arbitraries.longs().between(-62_135_596_800_000_000L, 253_402_300_799_999_999L),
                Arbitraries.longs())
            .injectNull(0.2);
    Arbitrary<String> zoned =
        Arbitraries.oneOf(
                Arbitraries.longs()
                    .between(-62_135_596_800L, 253_402_300_799L)
                    .map(s -> Instant.ofEpochSecond(s, 123_456_000).toString()),
                Arbitraries.of(
                    "2024-03-15T10:15:30+02:00", "not a time", "", "2024-02-30T00:00:00Z"))
            .injectNull(0.2);
    Arbitrary<Integer> days =
        Arbitraries.oneOf(
                Arbitraries.integers().between(-800_000, 3_000_000), Arbitraries.integers())
            .injectNull(0.2);
    Arbitrary<String> note =
        Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20),
                Arbitraries.of(Debezium.DEFAULT_UNAVAILABLE_VALUE_PLACEHOLDER, "\uD83D\uDE00"))
            .injectNull(0.2);
    Arbitrary<Boolean> active = Arbitraries.of(true, false).injectNull(0.2);
    Arbitrary<byte[]> data = Arbitraries.bytes().array(byte[].class).ofMaxSize(12).injectNull(0.2);
    Arbitrary<Map<String, Object>> ratio =
        Builders.withBuilder(() -> values("scale", 0, "value", new byte[] {0}))
            .use(Arbitraries.integers().between(-3, 40))
            .in((m, s) -> with(m, "scale", s))
            .use(
                Arbitraries.bigIntegers()
                    .between(BigInteger.TEN.pow(30).negate(), BigInteger.TEN.pow(30)))
            .in((m, v) -> with(m, "value", unscaled(v)))
            .build()
            .injectNull(0.2);
    return Builders.withBuilder(() -> values())
        .use(Arbitraries.integers())
        .in((m, v) -> with(m, "id", v))
        .use(big)
        .in((m, v) -> with(m, "big", v))
        .use(price)
        .in((m, v) -> with(m, "price", v))
        .use(micros)
        .in((m, v) -> with(m, "created_at", v))
        .use(zoned)
        .in((m, v) -> with(m, "updated_at", v))
        .use(days)
        .in((m, v) -> with(m, "birth_date", v))
        .use(note)
        .in((m, v) -> with(m, "note", v))
        .use(active)
        .in((m, v) -> with(m, "active", v))
        .use(data)
        .in((m, v) -> with(m, "data", v))
        .use(ratio)
        .in((m, v) -> with(m, "ratio", v))
        .build();
  }

  private static Map<String, Object> with(Map<String, Object> row, String column, Object value) {
    return ConnectRecords.with(row, column, value);
  }
}
