package dev.etlkit.operators.cdc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.etlkit.core.Change;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.cdc.Debezium.Tombstones;
import dev.etlkit.operators.cdc.internal.DecoderSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.annotation.Nullable;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.flink.types.RowKind;

/**
 * Generated Debezium records: valid envelopes decode to exactly their model's changes, and any
 * bytes at all (garbage, or valid envelopes cut, patched or spliced) end as changes, one dead
 * letter or a counted skip, never an exception, with the accounting balanced after each record.
 */
class DebeziumPropertiesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String[] OPS = {"c", "r", "u", "d"};

  @Nullable private static DecoderHarness<RawRecord, Customer> harness;

  private static DecoderHarness<RawRecord, Customer> harness() throws Exception {
    if (harness == null) {
      harness =
          DecoderHarness.rawRecords(
              DecoderSettings.defaults(Customer.class).withTombstones(Tombstones.DELETE));
    }
    return harness;
  }

  @AfterContainer
  static void closeHarness() throws Exception {
    if (harness != null) {
      harness.close();
      harness = null;
    }
  }

  /** A generated change event and the changes it must decode to. */
  record Event(byte[] value, byte[] key, List<Change<Customer>> expected) {
    @Override
    public String toString() {
      return new String(value, UTF_8) + " key " + new String(key, UTF_8);
    }
  }

  @Provide
  Arbitrary<Customer> customers() {
    Arbitrary<String> text = Arbitraries.strings().ofMaxLength(12).injectNull(0.1);
    return Combinators.combine(Arbitraries.integers(), text, text, text).as(Customer::new);
  }

  @Provide
  Arbitrary<Event> events() {
    return Combinators.combine(
            Arbitraries.of(OPS),
            customers(),
            customers(),
            Arbitraries.of(true, false), // schema wrapper
            Arbitraries.of(0, 1, 2), // before: full, key only, none
            Arbitraries.longs().between(1, Long.MAX_VALUE),
            Arbitraries.longs().between(0, Long.MAX_VALUE))
        .as(DebeziumPropertiesTest::event);
  }

  private static Event event(
      String op,
      Customer before,
      Customer after,
      boolean wrapped,
      int beforeKind,
      long ts,
      long lsn) {
    ObjectNode envelope = NODES.objectNode();
    envelope.put("op", op);
    ObjectNode beforeNode =
        beforeKind == 0 ? row(before) : NODES.objectNode().put("id", before.id());
    if (op.equals("u") || op.equals("d")) {
      envelope.set("before", beforeKind == 2 ? NODES.nullNode() : beforeNode);
    } else {
      envelope.putNull("before");
    }
    envelope.set("after", op.equals("d") ? NODES.nullNode() : row(after));
    envelope.set("source", NODES.objectNode().put("ts_ms", ts).put("lsn", lsn));
    envelope.put("ts_ms", ts);
    ObjectNode value = envelope;
    if (wrapped) {
      value = NODES.objectNode();
      value.set("schema", NODES.objectNode().put("type", "struct"));
      value.set("payload", envelope);
    }
    Customer keyOnly = new Customer(before.id(), null, null, null);
    List<Change<Customer>> expected = new ArrayList<>();
    switch (op) {
      case "c":
      case "r":
        expected.add(Change.of(RowKind.INSERT, after, ts, lsn));
        break;
      case "u":
        if (beforeKind == 0) {
          expected.add(Change.of(RowKind.UPDATE_BEFORE, before, ts, lsn));
        }
        expected.add(Change.of(RowKind.UPDATE_AFTER, after, ts, lsn));
        break;
      default:
        expected.add(Change.of(RowKind.DELETE, beforeKind == 0 ? before : keyOnly, ts, lsn));
        break;
    }
    byte[] key = ("{\"id\":" + before.id() + "}").getBytes(UTF_8);
    return new Event(bytes(value), key, expected);
  }

  private static ObjectNode row(Customer c) {
    return NODES
        .objectNode()
        .put("id", c.id())
        .put("first_name", c.firstName())
        .put("last_name", c.lastName())
        .put("email", c.email());
  }

  private static byte[] bytes(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Property(tries = 300)
  void validEnvelopes_decodeToTheirModel(@ForAll("events") Event event) throws Exception {
    DecoderHarness.Emitted<Customer> emitted =
        harness().process(new RawRecord(event.key(), event.value(), "t/0@1", null), 1);

    assertThat(emitted.deadLetters()).isEmpty();
    assertThat(emitted.changes()).containsExactlyElementsOf(event.expected());
  }

  @Provide
  Arbitrary<byte[]> anyBytes() {
    Arbitrary<byte[]> garbage = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
    Arbitrary<byte[]> cut =
        Combinators.combine(events(), Arbitraries.doubles().between(0, 1))
            .as((e, f) -> Arrays.copyOf(e.value(), (int) (e.value().length * f)));
    Arbitrary<byte[]> patched =
        Combinators.combine(events(), Arbitraries.doubles().between(0, 1), Arbitraries.bytes())
            .as(
                (e, f, b) -> {
                  byte[] v = e.value().clone();
                  v[(int) ((v.length - 1) * f)] = b;
                  return v;
                });
    Arbitrary<byte[]> spliced =
        Combinators.combine(
                events(),
                Arbitraries.of(
                    "{\"ts_ms\":1}",
                    "{\"status\":\"END\",\"id\":\"1\"}",
                    "{\"ddl\":\"DROP TABLE t\"}",
                    "{\"op\":\"t\"}",
                    "{\"op\":\"m\"}",
                    "\"after\":[1]",
                    "\"id\":\"x\"",
                    "\"id\":1e400",
                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
                    "\uD800",
                    "null"),
                Arbitraries.doubles().between(0, 1))
            .as(
                (e, s, f) -> {
                  String v = new String(e.value(), UTF_8);
                  int at = (int) (v.length() * f);
                  return (v.substring(0, at) + s + v.substring(at)).getBytes(UTF_8);
                });
    return Arbitraries.oneOf(garbage, cut, patched, spliced);
  }

  @Property(tries = 500)
  void anyBytes_becomeChangesOrOneDeadLetterOrACountedSkip(
      @ForAll("anyBytes") byte[] value, @ForAll boolean tombstone) throws Exception {
    RecordAccounting.StepCounts before = harness().counts();
    RawRecord record =
        tombstone
            ? new RawRecord(value, null, "t/0@2", 7L)
            : new RawRecord("{\"id\":3}".getBytes(UTF_8), value, "t/0@2", 7L);

    DecoderHarness.Emitted<Customer> emitted = harness().process(record, 2);
    RecordAccounting.StepCounts after = harness().counts();

    assertThat(after.in()).isEqualTo(before.in() + 1);
    long out = after.out() - before.out();
    long filtered = after.filtered() - before.filtered();
    long dead = after.deadLettered() - before.deadLettered();
    assertThat(out + filtered + dead).isEqualTo(1);
    assertThat(emitted.deadLetters()).hasSize((int) dead);
    if (dead == 1) {
      assertThat(emitted.changes()).isEmpty();
      assertThat(emitted.deadLetters().get(0).payloadBytes()).isEqualTo(tombstone ? null : value);
      assertThat(emitted.deadLetters().get(0).sourcePosition()).isEqualTo("t/0@2");
    } else if (out == 1) {
      assertThat(emitted.changes()).hasSizeBetween(1, 2);
    } else {
      assertThat(emitted.changes()).isEmpty();
    }
    assertThat(after.isBalanced()).isTrue();
  }
}
