package dev.etlkit.core.internal;

import static dev.etlkit.core.internal.NestedNullFieldsCollectionsTest.field;
import static dev.etlkit.core.internal.NestedNullFieldsCollectionsTest.flagged;
import static dev.etlkit.core.internal.NestedNullFieldsCollectionsTest.mapOf;
import static dev.etlkit.core.internal.NestedNullFieldsCollectionsTest.passed;
import static dev.etlkit.core.internal.NestedNullFieldsCollectionsTest.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.types.Row;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * {@code null} elements and keys that are not tuples. Flink's list serializer hands a {@code null}
 * element, and its map serializer a {@code null} key, to the element's or key's serializer: a
 * {@code Long}, enum, row, list or map serializer refuses it, a {@code String}, {@code Instant},
 * {@code BigDecimal} or POJO serializer writes it. Its set and array serializers, and its map
 * serializer for values, write a {@code null} themselves. Each shape the walk flags is one the real
 * serializer refuses, and each it passes one the real serializer writes.
 *
 * <p>Flink's type extractor makes a {@code List<Long>} or {@code Map<Long, String>} field of a POJO
 * or record a nullable list or map type, whose serializer writes {@code null} elements and keys:
 * such a type gets no walk. Declared types do not ({@code Types.LIST(Types.LONG)} in {@code
 * Types.POJO(...)}, a row type, {@code returns(...)}).
 */
class NestedNullFieldsElementsTest {

  public record Order(String id, List<Long> quantities) {}

  public record Names(String id, Map<Long, String> byId) {}

  /** A POJO whose serializer writes a {@code null} one. */
  public record Part(String sku, Long qty) {}

  /** As users declare it: a list whose serializer hands a {@code null} to the Long serializer. */
  private static final TypeInformation<Order> DECLARED =
      Types.POJO(Order.class, Map.of("id", Types.STRING, "quantities", Types.LIST(Types.LONG)));

  @Test
  void typeExtractor_listAndMapOfBasicTypes_writeTheirNullElementsAndKeys_noWalk()
      throws Exception {
    TypeInformation<Order> order = TypeInformation.of(Order.class);
    assertThat(field(order, "quantities")).isInstanceOf(ListTypeInfo.class);
    assertThat(NestedNullFields.ofRecords(order)).isNull();
    assertThat(NestedNullFields.of(order)).isNull();
    assertThat(roundTrip(order, order(1L, null))).isEqualTo(order(1L, null));
    TypeInformation<Names> names = TypeInformation.of(Names.class);
    assertThat(field(names, "byId")).isInstanceOf(MapTypeInfo.class);
    assertThat(NestedNullFields.ofRecords(names)).isNull();
    assertThat(NestedNullFields.of(names)).isNull();
    assertThat(roundTrip(names, new Names("n1", mapOf(null, "x"))))
        .isEqualTo(new Names("n1", mapOf(null, "x")));
  }

  @Test
  void ofRecords_declaredListOfLongs_namesTheNullElementsPosition() throws Exception {
    NestedNullFields walk = NestedNullFields.ofRecords(DECLARED);
    assertThat(walk).isNotNull();
    flagged(walk, DECLARED, order(1L, 2L, null), "quantities[2]");
    passed(walk, DECLARED, order(1L, 2L));
    passed(walk, DECLARED, order());
    passed(walk, DECLARED, new Order("o1", null)); // the POJO serializer writes a null list

    TypeInformation<List<Long>> list = Types.LIST(Types.LONG);
    flagged(NestedNullFields.ofRecords(list), list, Arrays.asList(null, 1L), "[0]");
    TypeInformation<Row> row =
        Types.ROW_NAMED(new String[] {"id", "quantities"}, Types.STRING, Types.LIST(Types.LONG));
    NestedNullFields inRow = NestedNullFields.ofRecords(row);
    flagged(inRow, row, Row.of("r", Arrays.asList(1L, null)), "quantities[1]");
    passed(inRow, row, Row.of("r", List.of(1L)));
    TypeInformation<Tuple2<String, List<Long>>> tuple =
        Types.TUPLE(Types.STRING, Types.LIST(Types.LONG));
    NestedNullFields inTuple = NestedNullFields.ofRecords(tuple);
    flagged(inTuple, tuple, Tuple2.of("t", Arrays.asList(1L, null)), "f1[1]");
    passed(inTuple, tuple, Tuple2.of(null, List.of(1L)));
    TypeInformation<List<Color>> colors = Types.LIST(Types.ENUM(Color.class));
    flagged(NestedNullFields.ofRecords(colors), colors, Arrays.asList(Color.RED, null), "[1]");
  }

  public enum Color {
    RED
  }

  @Test
  void ofRecords_elementsKeysAndValuesTheirSerializersWrite_noWalk() throws Exception {
    TypeInformation<List<String>> strings = Types.LIST(Types.STRING);
    assertThat(NestedNullFields.ofRecords(strings)).isNull();
    assertThat(roundTrip(strings, Arrays.asList("a", null))).containsExactly("a", null);
    TypeInformation<List<java.time.Instant>> instants = Types.LIST(Types.INSTANT);
    assertThat(NestedNullFields.ofRecords(instants)).isNull();
    assertThat(roundTrip(instants, Arrays.asList(null, null))).hasSize(2);
    TypeInformation<List<Part>> parts = Types.LIST(TypeInformation.of(Part.class));
    assertThat(NestedNullFields.ofRecords(parts)).isNull();
    assertThat(roundTrip(parts, Arrays.asList(new Part("a", 1L), null)))
        .containsExactly(new Part("a", 1L), null);
    TypeInformation<Map<String, Long>> sums = Types.MAP(Types.STRING, Types.LONG);
    assertThat(NestedNullFields.ofRecords(sums)).isNull();
    assertThat(roundTrip(sums, mapOf(null, null))).containsEntry(null, null);
    TypeInformation<Set<Long>> set = Types.SET(Types.LONG);
    assertThat(NestedNullFields.ofRecords(set)).isNull();
    assertThat(roundTrip(set, new HashSet<>(Arrays.asList(1L, null)))).containsOnly(1L, null);
    TypeInformation<Long[]> array = Types.OBJECT_ARRAY(Types.LONG);
    assertThat(NestedNullFields.ofRecords(array)).isNull();
    assertThat(roundTrip(array, new Long[] {null, 1L})).containsExactly(null, 1L);
  }

  @Test
  void ofRecords_nullRowsListsAndMapsAsListElements_andBelowThem() throws Exception {
    TypeInformation<List<Row>> rows = Types.LIST(Types.ROW(Types.STRING));
    NestedNullFields rowWalk = NestedNullFields.ofRecords(rows);
    flagged(rowWalk, rows, Arrays.asList(Row.of("a"), null), "[1]");
    passed(rowWalk, rows, List.of(Row.of("a"), Row.of((Object) null)));

    TypeInformation<List<List<String>>> lists = Types.LIST(Types.LIST(Types.STRING));
    NestedNullFields listWalk = NestedNullFields.ofRecords(lists);
    flagged(listWalk, lists, Arrays.asList(List.of("a"), null), "[1]");
    passed(listWalk, lists, List.of(Arrays.asList("a", null), List.of()));
    TypeInformation<List<List<Long>>> longs = Types.LIST(Types.LIST(Types.LONG));
    flagged(
        NestedNullFields.ofRecords(longs),
        longs,
        List.of(List.of(1L), Arrays.asList(2L, null)),
        "[1][1]");

    TypeInformation<List<Map<String, Long>>> maps = Types.LIST(Types.MAP(Types.STRING, Types.LONG));
    NestedNullFields mapWalk = NestedNullFields.ofRecords(maps);
    flagged(mapWalk, maps, Arrays.asList(Map.of("a", 1L), null), "[1]");
    passed(mapWalk, maps, List.of(mapOf("a", null)));

    // a set and an array write a null element, not a null in an element's list
    TypeInformation<Set<List<Long>>> set = Types.SET(Types.LIST(Types.LONG));
    NestedNullFields setWalk = NestedNullFields.ofRecords(set);
    flagged(setWalk, set, Set.of(Arrays.asList(1L, null)), "[element][1]");
    passed(setWalk, set, new HashSet<>(Arrays.asList(List.of(1L), null)));
    TypeInformation<List<Long>[]> array = Types.OBJECT_ARRAY(Types.LIST(Types.LONG));
    NestedNullFields arrayWalk = NestedNullFields.ofRecords(array);
    flagged(arrayWalk, array, lists(List.of(1L), Arrays.asList(null, 2L)), "[1][0]");
    passed(arrayWalk, array, lists(List.of(1L), null));
  }

  @Test
  void ofRecords_mapKeysTheKeySerializerCannotWrite_namedKey() throws Exception {
    TypeInformation<Map<Long, String>> map = Types.MAP(Types.LONG, Types.STRING);
    NestedNullFields walk = NestedNullFields.ofRecords(map);
    assertThat(walk).isNotNull();
    flagged(walk, map, mapOf(null, "x"), "[key]");
    passed(walk, map, mapOf(1L, null));
    TypeInformation<Names> declared =
        Types.POJO(
            Names.class, Map.of("id", Types.STRING, "byId", Types.MAP(Types.LONG, Types.STRING)));
    flagged(
        NestedNullFields.ofRecords(declared),
        declared,
        new Names("n1", mapOf(null, "x")),
        "byId[key]");
    TypeInformation<Map<String, List<Long>>> values =
        Types.MAP(Types.STRING, Types.LIST(Types.LONG));
    NestedNullFields valueWalk = NestedNullFields.ofRecords(values);
    flagged(valueWalk, values, Map.of("a", Arrays.asList(1L, null)), "[value][1]");
    passed(valueWalk, values, mapOf(null, null));
  }

  @Test
  void of_keysHoldingAListOrMapWithANullTheirSerializerCannotWrite_deeperCheck() throws Exception {
    TypeInformation<List<Long>> list = Types.LIST(Types.LONG);
    NestedNullFields key = NestedNullFields.of(list);
    assertThat(key).isNotNull();
    assertThat(key.find(Arrays.asList(1L, null))).isEqualTo("[1]");
    assertThat(key.find(List.of(1L))).isNull();
    assertThatThrownBy(() -> roundTrip(list, Arrays.asList(1L, null)))
        .isInstanceOf(NullPointerException.class);
    assertThat(NestedNullFields.of(DECLARED).find(order((Long) null))).isEqualTo("quantities[0]");
    assertThat(
            NestedNullFields.of(Types.TUPLE(Types.STRING, Types.LIST(Types.LONG)))
                .find(Tuple2.of("t", Arrays.asList(null, 1L))))
        .isEqualTo("f1[0]");
    assertThat(NestedNullFields.of(Types.MAP(Types.LONG, Types.STRING)).find(mapOf(null, "x")))
        .isEqualTo("[key]");
    assertThat(NestedNullFields.of(Types.LIST(Types.STRING))).isNull();
  }

  @Test
  void unwritableRecord_namesTheSerializerThatCannotWriteTheNull() {
    assertThat(NestedNullFields.unwritableRecord("quantities[2]"))
        .hasMessage(
            "record field quantities[2] is null, which Flink's list serializer cannot write");
    assertThat(NestedNullFields.unwritableRecord("lines[1]")) // a null tuple element
        .hasMessage("record field lines[1] is null, which Flink's list serializer cannot write");
    assertThat(NestedNullFields.unwritableRecord("byId[key]"))
        .hasMessage("record field byId[key] is null, which Flink's map serializer cannot write");
    assertThat(NestedNullFields.unwritableRecord("lines[1].amount.f1"))
        .hasMessage(
            "record field lines[1].amount.f1 is null, which Flink's tuple serializer cannot write");
  }

  @Test
  void ofRecords_changelogAndAfterSerialization_asTheCheckIsShipped() throws Exception {
    NestedNullFields changes =
        InstantiationUtil.clone(NestedNullFields.ofRecords(Change.typeInfo(DECLARED)));
    assertThat(changes.find(Change.insert(order(1L, null)))).isEqualTo("quantities[1]");
    NestedNullFields maps =
        InstantiationUtil.clone(NestedNullFields.ofRecords(Types.MAP(Types.LONG, Types.LONG)));
    assertThat(maps.find(mapOf(null, 1L))).isEqualTo("[key]");
  }

  private static Order order(Long... quantities) {
    return new Order("o1", Arrays.asList(quantities));
  }

  @SafeVarargs
  private static List<Long>[] lists(List<Long>... lists) {
    return lists;
  }
}
