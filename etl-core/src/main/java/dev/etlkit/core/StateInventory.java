package dev.etlkit.core;

import dev.etlkit.core.internal.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Every keyed state a pipeline will create, known before the job runs: which step and operator
 * (uid) holds it, its name and kind, key and value types, TTL and growth per key. Answers "where is
 * state used and how big can it grow?" as data ({@link #entries()}) and as a printable table
 * ({@link #toTable()}).
 */
@PublicEvolving
public final class StateInventory {

  /** One state of one operator. */
  @PublicEvolving
  public static final class Entry {
    private final String pipeline;
    private final String step;
    private final String uid;
    private final String keyType;
    private final StateDeclaration state;
    @Nullable private final TypeInformation<?> keyTypeInfo;

    /** An entry whose key type is known by name only: its key serializer is not compared. */
    public Entry(String pipeline, String step, String uid, String keyType, StateDeclaration state) {
      this(pipeline, step, uid, keyType, state, null);
    }

    /**
     * An entry keyed by {@code keyType}: {@link SavepointCheck} compares its serializer with the
     * key serializer a savepoint wrote the operator's keyed state with.
     */
    public Entry(
        String pipeline,
        String step,
        String uid,
        TypeInformation<?> keyType,
        StateDeclaration state) {
      this(pipeline, step, uid, Names.describeType(keyType), state, keyType);
    }

    private Entry(
        String pipeline,
        String step,
        String uid,
        String keyType,
        StateDeclaration state,
        @Nullable TypeInformation<?> keyTypeInfo) {
      this.pipeline = Objects.requireNonNull(pipeline);
      this.step = Objects.requireNonNull(step);
      this.uid = Objects.requireNonNull(uid);
      this.keyType = Objects.requireNonNull(keyType);
      this.state = Objects.requireNonNull(state);
      this.keyTypeInfo = keyTypeInfo;
    }

    public String pipeline() {
      return pipeline;
    }

    public String step() {
      return step;
    }

    public String uid() {
      return uid;
    }

    public String keyType() {
      return keyType;
    }

    /** The key's type information, when the entry was made with it. */
    public Optional<TypeInformation<?>> keyTypeInfo() {
      return Optional.ofNullable(keyTypeInfo);
    }

    public StateDeclaration state() {
      return state;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Entry)) {
        return false;
      }
      Entry that = (Entry) o;
      return pipeline.equals(that.pipeline)
          && step.equals(that.step)
          && uid.equals(that.uid)
          && keyType.equals(that.keyType)
          && state.equals(that.state);
    }

    @Override
    public int hashCode() {
      return Objects.hash(pipeline, step, uid, keyType, state);
    }

    @Override
    public String toString() {
      return uid + " " + state + " keyed by " + keyType;
    }
  }

  private final List<Entry> entries;

  public StateInventory(List<Entry> entries) {
    this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
  }

  /** The entries in the order the steps were applied. */
  public List<Entry> entries() {
    return entries;
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** A fixed-width text table with one row per state. */
  public String toTable() {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"step", "uid", "state", "kind", "key", "value", "ttl", "growth"});
    for (Entry e : entries) {
      StateDeclaration s = e.state();
      rows.add(
          new String[] {
            e.step(),
            e.uid(),
            s.name(),
            s.kind().name(),
            e.keyType(),
            s.valueType(),
            s.ttl().map(StateInventory::formatDuration).orElse("none"),
            s.growth().isEmpty() ? "-" : s.growth()
          });
    }
    return TextTable.render(rows);
  }

  @Override
  public String toString() {
    return toTable();
  }

  static String formatDuration(Duration d) {
    if (d.toDaysPart() > 0
        && d.toHoursPart() == 0
        && d.toMinutesPart() == 0
        && d.toSecondsPart() == 0
        && d.toMillisPart() == 0) {
      return d.toDays() + "d";
    }
    return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}
