package dev.etlkit.operators;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.normalize.ChangelogCheck;
import dev.etlkit.operators.normalize.Normalize;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * Every keyed step refuses, when applied, a key type that the heap state backend would compare by
 * identity. Flink's {@code keyBy} refuses a POJO key without its own {@code hashCode} but accepts
 * one with {@code hashCode} and without {@code equals}; the heap backend finds a key's state with
 * {@code equals}, so every record of such a key would find no state there (and look new), while
 * RocksDB, which compares serialized keys, finds it.
 */
class KeyEqualityTest {

  private static final TypeInformation<HashOnlyKey> KEY_TYPE = Types.POJO(HashOnlyKey.class);
  private static final String PART = "key (" + HashOnlyKey.class.getName() + ")";

  private final StreamExecutionEnvironment env =
      StreamExecutionEnvironment.getExecutionEnvironment();

  /** A key class with {@code hashCode} and without {@code equals}: accepted by Flink's keyBy. */
  public static final class HashOnlyKey {
    public String id;

    public HashOnlyKey() {}

    HashOnlyKey(String id) {
      this.id = id;
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(id);
    }
  }

  /** A row (a Flink POJO). */
  public static final class Item {
    public String id;

    public Item() {}

    Item(String id) {
      this.id = id;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Item && Objects.equals(id, ((Item) o).id);
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(id);
    }
  }

  private DataStream<Item> items() {
    return env.fromData(List.of(new Item("a")), Types.POJO(Item.class));
  }

  private DataStream<Change<Item>> changes() {
    return env.fromData(
        List.of(Change.insert(new Item("a"))), Change.typeInfo(Types.POJO(Item.class)));
  }

  private static <I> void assertRefused(DataStream<I> input, EtlStep<I, ?> step, String named) {
    assertThatThrownBy(() -> Etl.from(input, "p").apply(step))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(named + ": " + PART + " is compared by identity")
        .hasMessageContaining("heap state backend");
  }

  @Test
  void dedup_refusesAKeyWithoutEquals() {
    assertRefused(
        items(),
        Dedup.keepFirst("d", (Item i) -> new HashOnlyKey(i.id)).withKeyType(KEY_TYPE),
        "dedup step 'd'");
  }

  @Test
  void upsertNormalize_refusesAKeyWithoutEquals() {
    assertRefused(
        changes(),
        Normalize.upserts("n", (Item i) -> new HashOnlyKey(i.id), KEY_TYPE),
        "upsert normalize step 'n'");
  }

  @Test
  void changelogCheck_refusesAKeyWithoutEquals() {
    assertRefused(
        changes(),
        ChangelogCheck.validate("c", (Item i) -> new HashOnlyKey(i.id), KEY_TYPE),
        "changelog check 'c'");
  }

  @Test
  void dimensionJoin_refusesAKeyWithoutEquals() {
    assertRefused(
        items(),
        DimensionJoin.latest(
                "j",
                changes(),
                (Item fact) -> new HashOnlyKey(fact.id),
                (Item row) -> new HashOnlyKey(row.id),
                (Item fact, Item row, dev.etlkit.operators.enrich.JoinStatus status) -> fact,
                Types.POJO(Item.class))
            .withKeyType(KEY_TYPE),
        "dimension join 'j'");
  }
}
