package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.flink.annotation.PublicEvolving;

/**
 * A changelog produced by {@link ChangelogGenerator#generate(long)}: the clean source changelog,
 * and its delivery (with duplicates, disorder, late records and watermarks) as tagged records and
 * as a harness script. Immutable.
 *
 * @param <T> row type
 */
@PublicEvolving
public final class GeneratedChangelog<T> {

  private final long seed;
  private final List<Change<T>> sourceOrder;
  private final List<Generated<T>> records;
  private final HarnessInput<Change<T>> input;

  GeneratedChangelog(
      long seed,
      List<Change<T>> sourceOrder,
      List<Generated<T>> records,
      HarnessInput<Change<T>> input) {
    this.seed = seed;
    this.sourceOrder = List.copyOf(sourceOrder);
    this.records = List.copyOf(records);
    this.input = input;
  }

  /** The seed this changelog was generated from. */
  public long seed() {
    return seed;
  }

  /**
   * Every change once, in the order the source made it, event times ascending: a well-formed
   * changelog ({@code +I}, {@code +U}, {@code -D}; deletes may be key-only tombstones).
   */
  public List<Change<T>> sourceOrder() {
    return sourceOrder;
  }

  /** The delivered records, tagged, in delivery order. */
  public List<Generated<T>> records() {
    return records;
  }

  /** The delivered changes in delivery order (duplicates included). */
  public List<Change<T>> changes() {
    List<Change<T>> changes = new ArrayList<>(records.size());
    for (Generated<T> r : records) {
      changes.add(r.change());
    }
    return changes;
  }

  /** The delivered records that carry the tag, in delivery order. */
  public List<Generated<T>> tagged(Generated.Tag tag) {
    List<Generated<T>> tagged = new ArrayList<>();
    for (Generated<T> r : records) {
      if (r.is(tag)) {
        tagged.add(r);
      }
    }
    return tagged;
  }

  /**
   * The delivery as a harness script: each change as an element whose timestamp is its event time,
   * watermarks (bounded out-of-orderness), and processing-time steps if configured.
   */
  public HarnessInput<Change<T>> input() {
    return input;
  }

  /** The table the source holds at the end: {@link #sourceOrder()} materialized by key. */
  public <K> Map<K, T> finalTable(Function<? super T, ? extends K> keyFunction) {
    return Materializer.<K, T>byKey(keyFunction).withKeyOnlyDeletes().materialize(sourceOrder);
  }

  /** Seed and counts, for failure messages: {@code seed=7: 120 records, 10 DUPLICATE, ...}. */
  @Override
  public String toString() {
    Map<Generated.Tag, Integer> counts = new EnumMap<>(Generated.Tag.class);
    for (Generated<T> r : records) {
      for (Generated.Tag tag : r.tags()) {
        counts.merge(tag, 1, Integer::sum);
      }
    }
    StringBuilder sb = new StringBuilder("seed=" + seed + ": " + records.size() + " records");
    counts.forEach((tag, n) -> sb.append(", ").append(n).append(' ').append(tag));
    return sb.toString();
  }
}
