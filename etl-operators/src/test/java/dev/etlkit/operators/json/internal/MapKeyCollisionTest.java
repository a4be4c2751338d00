package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.databind.deser.std.MapDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.etlkit.operators.json.JsonRecordException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Map keys that are not strings: two different JSON names that Jackson's key deserializer reads as
 * the same Java key ({@code "1"} and {@code "01"} for an {@code Integer}, a UUID in upper and lower
 * case, an enum constant and its alias) would leave one entry and drop the other without a word.
 * Such a document is an {@code INVALID_VALUE} dead letter naming the map's path, never the key. A
 * name written twice is a repeated key, as anywhere in a document: its last value wins.
 */
class MapKeyCollisionTest {

  /** An enum with an alias: both names read as {@code GREEN}. */
  public enum Color {
    RED,
    @JsonAlias("verde")
    GREEN
  }

  /** A record with one map component and a name (for the second pass). */
  public record Counts(String name, Map<Integer, String> counts) {}

  /** A tree: one map deserializer reads the maps of every level. */
  public static class Node {
    public Map<Integer, Node> children;
  }

  /** A POJO (with a primitive, so that the field rules wrap its deserializers) of many maps. */
  public static class Keys {
    public int version;
    public Map<Long, String> ids;
    public Map<UUID, String> uuids;
    public Map<Color, String> colors;
    public EnumMap<Color, String> colorMap;
    public Map<Double, String> ratios;
    public TreeMap<BigDecimal, String> prices;
    public SortedMap<Integer, String> sorted;
    public Map<Instant, String> times;
    public Map<Integer, Map<Integer, String>> nested;
    public List<Map<Integer, String>> maps;
    public Map<String, String> names;
  }

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
    assertThat(e).as("expected a rejection of %s", json).isNotNull();
    return e;
  }

  @Test
  void integerKeys_twoNamesForOneKey_isInvalidValueNamingTheMap() {
    JsonRecordReader<Counts> reader = ReaderFixtures.of(Counts.class).reader();

    // Before: {1=b}, "a" silently gone.
    assertThat(rejection(reader, "{\"counts\":{\"1\":\"a\",\"01\":\"b\"}}"))
        .hasMessage("INVALID_VALUE: duplicate map key (two names read as one Integer) at $.counts");
    assertThat(rejection(reader, "{\"counts\":{\"+1\":\"a\",\"1\":\"b\"}}").reason())
        .isEqualTo(JsonRecordException.Reason.INVALID_VALUE);
    assertThat(rejection(reader, "{\"counts\":{\"0\":\"a\",\"-0\":\"b\"}}").getMessage())
        .isEqualTo("INVALID_VALUE: duplicate map key (two names read as one Integer) at $.counts");
    // A null value is data in a map: dropping it is losing it too.
    assertThat(rejection(reader, "{\"counts\":{\"1\":null,\"01\":\"b\"}}").getMessage())
        .contains("duplicate map key");
  }

  @Test
  void integerKeys_sameNameTwice_lastValueWins() throws Exception {
    JsonRecordReader<Counts> reader = ReaderFixtures.of(Counts.class).reader();

    assertThat(reader.read(utf8("{\"counts\":{\"1\":\"a\",\"2\":\"c\",\"1\":\"b\"}}")).counts())
        .containsExactlyInAnyOrderEntriesOf(Map.of(1, "b", 2, "c"));
    assertThat(reader.read(utf8("{\"counts\":{\"01\":\"a\",\"01\":\"b\"}}")).counts())
        .containsExactlyInAnyOrderEntriesOf(Map.of(1, "b"));
  }

  @Test
  void secondPass_aCollisionInTheLastValueOfARepeatedKey_isStillRejected() throws Exception {
    JsonRecordReader<Counts> reader = ReaderFixtures.of(Counts.class).reader();

    // "name" repeated after the last component: read again, keeping each key's last value.
    assertThat(
            rejection(
                reader,
                "{\"name\":\"x\",\"counts\":{\"1\":\"a\"},\"name\":\"y\","
                    + "\"counts\":{\"1\":\"c\",\"01\":\"d\"}}"))
        .hasMessage("INVALID_VALUE: duplicate map key (two names read as one Integer) at $.counts");
    // A value replaced by a later one is still read, and rejected, as a bad scalar there is.
    assertThat(
            rejection(
                reader,
                "{\"name\":\"x\",\"counts\":{\"1\":\"a\",\"01\":\"b\"},\"name\":\"y\","
                    + "\"counts\":{\"1\":\"c\"}}"))
        .hasMessage("INVALID_VALUE: duplicate map key (two names read as one Integer) at $.counts");
    Counts read =
        reader.read(
            utf8(
                "{\"name\":\"x\",\"counts\":{\"1\":\"a\"},\"name\":\"y\","
                    + "\"counts\":{\"1\":\"c\",\"1\":\"d\"}}"));
    assertThat(read.name()).isEqualTo("y");
    assertThat(read.counts()).containsExactlyInAnyOrderEntriesOf(Map.of(1, "d"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "'ids':{'1':'a','+01':'b'}                 | Long       | $.ids",
        "'uuids':{'0000000a-0000-0000-0000-000000000000':'a',"
            + "'0000000A-0000-0000-0000-000000000000':'b'} | UUID | $.uuids",
        "'colors':{'GREEN':'a','verde':'b'}        | Color      | $.colors",
        "'colorMap':{'GREEN':'a','verde':'b'}      | Color      | $.colorMap",
        "'ratios':{'1':'a','1.0':'b'}              | Double     | $.ratios",
        "'prices':{'1.0':'a','1.00':'b'}           | BigDecimal | $.prices",
        "'sorted':{'2':'a','02':'b'}               | Integer    | $.sorted",
        "'times':{'2024-01-01T00:00:00Z':'a','2024-01-01T00:00:00.000Z':'b'} | Instant | $.times",
        "'nested':{'1':{'1':'a','01':'b'}}         | Integer    | $.nested.?",
        "'nested':{'1':{'1':'a'},'01':{'2':'b'}}   | Integer    | $.nested",
        "'maps':[{'1':'a'},{'1':'a','01':'b'}]     | Integer    | $.maps[1]",
      })
  void everyKeyTypeAndPlace_twoNamesForOneKey_isInvalidValueAtTheMap(
      String field, String keyType, String path) {
    JsonRecordReader<Keys> reader = ReaderFixtures.of(Keys.class).reader();
    String json = "{\"version\":1," + field.replace('\'', '"') + "}";

    assertThat(rejection(reader, json))
        .hasMessage(
            "INVALID_VALUE: duplicate map key (two names read as one " + keyType + ") at " + path);
  }

  @Test
  void distinctKeys_andStringKeys_areReadAsBefore() throws Exception {
    JsonRecordReader<Keys> reader = ReaderFixtures.of(Keys.class).reader();

    Keys keys =
        reader.read(
            utf8(
                "{\"version\":1,\"names\":{\"1\":\"a\",\"01\":\"b\"},"
                    + "\"prices\":{\"1.0\":\"a\",\"2.0\":\"b\"},"
                    + "\"ratios\":{\"0.0\":\"a\",\"-0.0\":\"b\"},"
                    + "\"maps\":[{\"1\":\"a\"},{\"1\":\"b\"}],"
                    + "\"colorMap\":{\"RED\":\"a\",\"verde\":\"b\"}}"));

    assertThat(keys.names).containsExactly(Map.entry("1", "a"), Map.entry("01", "b"));
    assertThat(keys.prices).hasSize(2);
    assertThat(keys.ratios).hasSize(2); // 0.0 and -0.0 are two Doubles
    assertThat(keys.maps).containsExactly(Map.of(1, "a"), Map.of(1, "b"));
    assertThat(keys.colorMap).containsOnly(Map.entry(Color.RED, "a"), Map.entry(Color.GREEN, "b"));
  }

  @Test
  void stringAndObjectKeys_keepJacksonsOwnDeserializer() throws Exception {
    ObjectMapper mapper = JsonMapper.builder().addModule(MapKeyCollisions.module()).build();
    DeserializationContext ctxt =
        ((DefaultDeserializationContext) mapper.getDeserializationContext())
            .createInstance(mapper.getDeserializationConfig(), null, null);

    // Keys that are the names themselves: Jackson's deserializer and its String-key fast path.
    assertThat(
            ctxt.findRootValueDeserializer(type(mapper, new TypeReference<Map<String, Long>>() {})))
        .isExactlyInstanceOf(MapDeserializer.class);
    assertThat(
            ctxt.findRootValueDeserializer(
                type(mapper, new TypeReference<TreeMap<Object, String>>() {})))
        .isExactlyInstanceOf(MapDeserializer.class);
    assertThat(
            ctxt.findRootValueDeserializer(type(mapper, new TypeReference<Map<Long, String>>() {})))
        .isExactlyInstanceOf(MapKeyCollisions.CheckedMap.class);
  }

  @Test
  void recursiveType_sameKeyAtEveryLevel_isNoCollision_butOneInsideIs() throws Exception {
    JsonRecordReader<Node> reader = ReaderFixtures.of(Node.class).reader();

    Node root =
        reader.read(
            utf8(
                "{\"children\":{\"1\":{\"children\":{\"1\":{},\"2\":{}}},"
                    + "\"2\":{\"children\":{\"1\":{}}}}}"));
    assertThat(root.children).containsOnlyKeys(1, 2);
    assertThat(root.children.get(1).children).containsOnlyKeys(1, 2);
    assertThat(rejection(reader, "{\"children\":{\"1\":{\"children\":{\"2\":{}}},\"01\":{}}}"))
        .hasMessage(
            "INVALID_VALUE: duplicate map key (two names read as one Integer) at $.children");
    // The reader is clean after a rejection.
    assertThat(reader.read(utf8("{\"children\":{\"1\":{}}}")).children).containsOnlyKeys(1);
  }

  private static com.fasterxml.jackson.databind.JavaType type(
      ObjectMapper mapper, TypeReference<?> reference) {
    return mapper.constructType(reference);
  }
}
