package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.BasicArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.api.java.typeutils.ObjectArrayTypeInfo;
import org.apache.flink.api.java.typeutils.SetTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.NullFieldException;
import org.apache.flink.types.Row;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * Tuples inside lists, sets, maps and arrays. Flink's list serializer hands every element (a {@code
 * null} one too) to the element's serializer, its map serializer every key (and every value that is
 * not {@code null}) to theirs, and its set and array serializers every element that is not {@code
 * null}; so a tuple there with a {@code null} field its serializer cannot write fails the job at
 * the shuffle as one in a POJO field does. Each shape the walk flags is one the real serializer
 * refuses, and each it passes one the real serializer writes (asserted beside it).
 *
 * <p>Flink's type extractor makes a {@code List}, {@code Set} or {@code Map} field of a POJO or
 * record a list, set or map type (whose serializer writes {@code null} elements, keys and values)
 * only where its type arguments are classes ({@code List<Line>}); a {@code List<Tuple2<String,
 * Long>>} field is a generic (Kryo) type, which writes what it holds. Lists, maps and arrays of
 * tuples come from declared types ({@code Types.LIST(...)}, {@code Types.POJO(...)}, rows).
 */
class NestedNullFieldsCollectionsTest {

  /** A line whose serializer cannot write a {@code null} in {@code amount.f1}. */
  public record Line(String sku, Tuple2<String, Long> amount) {}

  public record Order(String id, List<Line> lines) {}

  public record Regions(String id, Map<String, Line> byRegion) {}

  public record Batch(String id, Line[] items) {}

  public record Tagged(String id, Set<Line> tags) {}

  /** With its lines declared: a list of tuples ({@link #DIRECT}). */
  public record Direct(String id, List<Tuple2<String, Long>> lines) {}

  /** A label whose tuple's fields all write their {@code null}s. */
  public record Label(String id, Tuple2<String, String> text) {}

  public record Plain(
      String id, List<Long> counts, Map<String, Long> sums, Long[] totals, List<Label> labels) {}

  /** A class Flink's type extractor makes a tuple type of (so lists and maps of it too). */
  public static final class Amount extends Tuple2<String, Long> {
    public Amount() {}

    Amount(String currency, @Nullable Long value) {
      super(currency, value);
    }
  }

  /** Extracted: a nullable list and map of tuples, whose serializers write null elements, keys. */
  public record Ledger(String id, List<Amount> amounts, Map<Amount, String> byAmount) {}

  private static final TypeInformation<Tuple2<String, Long>> ID =
      Types.TUPLE(Types.STRING, Types.LONG);

  private static final TypeInformation<Order> ORDER = TypeInformation.of(Order.class);

  private static final TypeInformation<Direct> DIRECT =
      Types.POJO(Direct.class, Map.of("id", Types.STRING, "lines", Types.LIST(ID)));

  @Test
  void typeExtractor_collectionFieldsOfRecords() {
    assertThat(field(ORDER, "lines")).isInstanceOf(ListTypeInfo.class);
    assertThat(field(TypeInformation.of(Regions.class), "byRegion"))
        .isInstanceOf(MapTypeInfo.class);
    assertThat(field(TypeInformation.of(Batch.class), "items"))
        .isInstanceOf(ObjectArrayTypeInfo.class);
    assertThat(field(TypeInformation.of(Tagged.class), "tags")).isInstanceOf(SetTypeInfo.class);
    // a list of tuples is a generic type: Kryo writes what it holds, nothing to look for
    TypeInformation<Direct> extracted = TypeInformation.of(Direct.class);
    assertThat(field(extracted, "lines")).isInstanceOf(GenericTypeInfo.class);
    assertThat(NestedNullFields.ofRecords(extracted)).isNull();
  }

  @Test
  void ofRecords_listOfRecordsHoldingTuples_namesTheElementsPosition() throws Exception {
    NestedNullFields walk = NestedNullFields.ofRecords(ORDER);
    assertThat(walk).isNotNull();
    flagged(walk, ORDER, order(line(1L), line(2L), line(null)), "lines[2].amount.f1");
    passed(walk, ORDER, order(line(1L), new Line("s", Tuple2.of(null, 2L))));
    passed(walk, ORDER, order(line(1L), null)); // the element's serializer writes its null
    passed(walk, ORDER, order());
    passed(walk, ORDER, new Order("o1", null)); // the record writes its null list
  }

  @Test
  void ofRecords_extractedListAndMapOfTuples_nullElementsAndKeysAreWritten() throws Exception {
    TypeInformation<Ledger> ledger = TypeInformation.of(Ledger.class);
    assertThat(field(ledger, "amounts")).isInstanceOf(ListTypeInfo.class);
    assertThat(field(ledger, "byAmount")).isInstanceOf(MapTypeInfo.class);
    NestedNullFields walk = NestedNullFields.ofRecords(ledger);
    assertThat(walk).isNotNull();
    flagged(walk, ledger, ledger(List.of(new Amount("EUR", null)), Map.of()), "amounts[0].f1");
    flagged(
        walk, ledger, ledger(List.of(), Map.of(new Amount("EUR", null), "x")), "byAmount[key].f1");
    // the extractor's list and map types write a null element and a null key themselves
    passed(walk, ledger, ledger(Arrays.asList(new Amount("EUR", 1L), null), Map.of()));
    passed(walk, ledger, ledger(List.of(), mapOf(null, "x")));
    NestedNullFields key = NestedNullFields.of(ledger);
    assertThat(key).isNotNull();
    assertThat(key.find(ledger(Arrays.asList(new Amount("EUR", 1L), null), mapOf(null, "x"))))
        .isNull();
  }

  @Test
  void ofRecords_declaredListOfTuples_nullElementsToo() throws Exception {
    NestedNullFields walk = NestedNullFields.ofRecords(DIRECT);
    assertThat(walk).isNotNull();
    flagged(walk, DIRECT, new Direct("o1", List.of(tuple(1L), tuple(null))), "lines[1].f1");
    flagged(walk, DIRECT, new Direct("o1", Arrays.asList(tuple(1L), null)), "lines[1]");
    passed(walk, DIRECT, new Direct("o1", List.of(tuple(1L), Tuple2.of(null, 2L))));
    passed(walk, DIRECT, new Direct("o1", null));
  }

  @Test
  void ofRecords_listOfTuplesWhoseFieldsWriteTheirNulls_onlyNullElements() throws Exception {
    TypeInformation<List<Tuple2<String, String>>> type =
        Types.LIST(Types.TUPLE(Types.STRING, Types.STRING));
    NestedNullFields walk = NestedNullFields.ofRecords(type);
    assertThat(walk).isNotNull();
    flagged(walk, type, Arrays.asList(Tuple2.of("a", "b"), null), "[1]");
    passed(walk, type, List.of(Tuple2.of("a", null), Tuple2.of(null, null)));
  }

  @Test
  void ofRecords_maps_nameKeyOrValue_neverTheMapKey() throws Exception {
    TypeInformation<Regions> regions = TypeInformation.of(Regions.class);
    NestedNullFields values = NestedNullFields.ofRecords(regions);
    assertThat(values).isNotNull();
    flagged(
        values,
        regions,
        new Regions("r1", Map.of("eu-west", line(null))),
        "byRegion[value].amount.f1");
    passed(values, regions, new Regions("r1", Map.of("eu-west", line(1L))));
    passed(values, regions, new Regions("r1", mapOf("eu-west", null)));
    passed(values, regions, new Regions("r1", mapOf(null, line(1L))));

    TypeInformation<Map<String, Tuple2<String, Long>>> declared = Types.MAP(Types.STRING, ID);
    NestedNullFields declaredValues = NestedNullFields.ofRecords(declared);
    flagged(declaredValues, declared, Map.of("eu-west", tuple(null)), "[value].f1");
    passed(declaredValues, declared, mapOf("eu-west", null)); // null values are written

    TypeInformation<Map<Tuple2<String, Long>, String>> byId = Types.MAP(ID, Types.STRING);
    NestedNullFields keys = NestedNullFields.ofRecords(byId);
    assertThat(keys).isNotNull();
    flagged(keys, byId, Map.of(tuple(null), "x"), "[key].f1");
    flagged(keys, byId, mapOf(null, "x"), "[key]");
    passed(keys, byId, mapOf(tuple(1L), null));
  }

  @Test
  void ofRecords_arraysAndSets_nullElementsAreWritten() throws Exception {
    TypeInformation<Batch> batch = TypeInformation.of(Batch.class);
    NestedNullFields records = NestedNullFields.ofRecords(batch);
    assertThat(records).isNotNull();
    flagged(
        records, batch, new Batch("b1", new Line[] {line(1L), line(null)}), "items[1].amount.f1");
    passed(records, batch, new Batch("b1", new Line[] {line(1L), null}));

    TypeInformation<Tuple2<String, Long>[]> tuples = Types.OBJECT_ARRAY(ID);
    NestedNullFields array = NestedNullFields.ofRecords(tuples);
    flagged(array, tuples, tuples(tuple(1L), tuple(null)), "[1].f1");
    passed(array, tuples, tuples(tuple(1L), null));

    TypeInformation<Tagged> tagged = TypeInformation.of(Tagged.class);
    NestedNullFields set = NestedNullFields.ofRecords(tagged);
    assertThat(set).isNotNull();
    flagged(set, tagged, new Tagged("t1", Set.of(line(null))), "tags[element].amount.f1");
    passed(set, tagged, new Tagged("t1", new HashSet<>(Arrays.asList(line(1L), null))));
  }

  @Test
  void ofRecords_tuplesInListsInTuplesRowsAndLists() throws Exception {
    TypeInformation<Tuple2<String, List<Tuple2<String, Long>>>> tuple =
        Types.TUPLE(Types.STRING, Types.LIST(ID));
    NestedNullFields inTuple = NestedNullFields.ofRecords(tuple);
    flagged(inTuple, tuple, Tuple2.of("t", List.of(tuple(null))), "f1[0].f1");
    // a tuple's list field itself null: the list serializer cannot write it (the tuple rule)
    flagged(inTuple, tuple, Tuple2.of("t", null), "f1");
    passed(inTuple, tuple, Tuple2.of(null, List.of(tuple(1L))));

    TypeInformation<List<List<Tuple2<String, Long>>>> lists = Types.LIST(Types.LIST(ID));
    NestedNullFields listOfLists = NestedNullFields.ofRecords(lists);
    flagged(listOfLists, lists, List.of(List.of(), List.of(tuple(null))), "[1][0].f1");
    flagged(listOfLists, lists, Arrays.asList(List.of(tuple(1L)), null), "[1]");

    TypeInformation<Row> row =
        Types.ROW_NAMED(new String[] {"id", "lines"}, Types.STRING, Types.LIST(ID));
    NestedNullFields inRow = NestedNullFields.ofRecords(row);
    flagged(inRow, row, Row.of("r", List.of(tuple(null))), "lines[0].f1");
    passed(inRow, row, Row.of("r", null));
  }

  @Test
  void ofRecords_collectionsWithoutATupleFieldThatCannotBeNull_noWalk() throws Exception {
    assertThat(NestedNullFields.ofRecords(TypeInformation.of(Plain.class))).isNull();
    assertThat(NestedNullFields.ofRecords(Types.LIST(Types.STRING))).isNull();
    assertThat(NestedNullFields.ofRecords(Types.MAP(Types.STRING, Types.LONG))).isNull();
    assertThat(NestedNullFields.ofRecords(BasicArrayTypeInfo.LONG_ARRAY_TYPE_INFO)).isNull();
    assertThat(NestedNullFields.ofRecords(BasicArrayTypeInfo.STRING_ARRAY_TYPE_INFO)).isNull();
    // tuples whose fields write their nulls, where a null tuple is written too: nothing to find
    TypeInformation<Tuple2<String, String>> text = Types.TUPLE(Types.STRING, Types.STRING);
    TypeInformation<Map<String, Tuple2<String, String>>> labels = Types.MAP(Types.STRING, text);
    assertThat(NestedNullFields.ofRecords(labels)).isNull();
    assertThat(roundTrip(labels, mapOf("a", Tuple2.of(null, null)))).containsKey("a");
    TypeInformation<Tuple2<String, String>[]> array = Types.OBJECT_ARRAY(text);
    assertThat(NestedNullFields.ofRecords(array)).isNull();
    assertThat(roundTrip(array, texts(Tuple2.of(null, null), null))).hasSize(2);
    TypeInformation<Set<Tuple2<String, String>>> set = Types.SET(text);
    assertThat(NestedNullFields.ofRecords(set)).isNull();
    assertThat(roundTrip(set, new HashSet<>(Arrays.asList(Tuple2.of(null, null), null))))
        .hasSize(2);
  }

  @Test
  void of_keysHoldingTuplesInCollections_deeperCheck() {
    assertThat(NestedNullFields.of(Types.LIST(Types.STRING))).isNull();
    assertThat(NestedNullFields.of(Types.TUPLE(Types.STRING, Types.LIST(Types.STRING)))).isNull();
    NestedNullFields tuple = NestedNullFields.of(Types.TUPLE(Types.STRING, Types.LIST(ID)));
    assertThat(tuple).isNotNull();
    assertThat(tuple.find(Tuple2.of("t", List.of(tuple(1L), tuple(null))))).isEqualTo("f1[1].f1");
    assertThat(tuple.find(Tuple2.of("t", null))).isEqualTo("f1");
    assertThat(tuple.find(Tuple2.of("t", List.of(tuple(1L))))).isNull();
    NestedNullFields record = NestedNullFields.of(ORDER);
    assertThat(record).isNotNull();
    assertThat(record.find(order(new Line("s", Tuple2.of(null, 1L)))))
        .isEqualTo("lines[0].amount.f0");
    assertThat(record.find(new Order("o1", null))).isNull();
  }

  @Test
  void ofRecords_changelogAndAfterSerialization_asTheCheckIsShipped() throws Exception {
    NestedNullFields changes =
        InstantiationUtil.clone(NestedNullFields.ofRecords(Change.typeInfo(ORDER)));
    assertThat(changes.find(Change.insert(order(line(null))))).isEqualTo("lines[0].amount.f1");
    NestedNullFields maps = InstantiationUtil.clone(NestedNullFields.ofRecords(Types.MAP(ID, ID)));
    assertThat(maps.find(Map.of(tuple(null), tuple(1L)))).isEqualTo("[key].f1");
    assertThat(maps.find(Map.of(tuple(1L), tuple(null)))).isEqualTo("[value].f1");
    NestedNullFields arrays =
        InstantiationUtil.clone(NestedNullFields.ofRecords(TypeInformation.of(Batch.class)));
    assertThat(arrays.find(new Batch("b1", new Line[] {line(null)})))
        .isEqualTo("items[0].amount.f1");
  }

  /** The walk names {@code path}, and the real serializer of {@code type} refuses the value. */
  static <T> void flagged(NestedNullFields walk, TypeInformation<T> type, T value, String path) {
    assertThat(walk.find(value)).isEqualTo(path);
    assertThatThrownBy(() -> roundTrip(type, value))
        .isInstanceOfAny(NullPointerException.class, NullFieldException.class);
  }

  /** The walk finds nothing, and the real serializer of {@code type} writes the value. */
  static <T> void passed(NestedNullFields walk, TypeInformation<T> type, T value)
      throws IOException {
    assertThat(walk.find(value)).isNull();
    assertThat(roundTrip(type, value))
        .usingRecursiveComparison() // arrays in records
        .withEqualsForType(Row::equals, Row.class) // a row read back knows its field names
        .isEqualTo(value);
  }

  static <T> T roundTrip(TypeInformation<T> type, T value) throws IOException {
    TypeSerializer<T> serializer = type.createSerializer(new SerializerConfigImpl());
    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(value, out);
    return serializer.deserialize(
        new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
  }

  static TypeInformation<?> field(TypeInformation<?> record, String name) {
    return ((CompositeType<?>) record).getTypeAt(name);
  }

  private static Tuple2<String, Long> tuple(@Nullable Long amount) {
    return Tuple2.of("EUR", amount);
  }

  private static Line line(@Nullable Long amount) {
    return new Line("sku", tuple(amount));
  }

  private static Ledger ledger(List<Amount> amounts, Map<Amount, String> byAmount) {
    return new Ledger("l1", amounts, byAmount);
  }

  private static Order order(Line... lines) {
    return new Order("o1", Arrays.asList(lines));
  }

  @SafeVarargs
  private static Tuple2<String, Long>[] tuples(Tuple2<String, Long>... tuples) {
    return tuples;
  }

  @SafeVarargs
  private static Tuple2<String, String>[] texts(Tuple2<String, String>... texts) {
    return texts;
  }

  static <K, V> Map<K, V> mapOf(@Nullable K key, @Nullable V value) {
    Map<K, V> map = new HashMap<>();
    map.put(key, value);
    return map;
  }
}
