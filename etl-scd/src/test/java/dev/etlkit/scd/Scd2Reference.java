package dev.etlkit.scd;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.function.Function;
import javax.annotation.Nullable;

/**
 * The reference model of the SCD2 step: recomputes each key's history from scratch, from all its
 * accepted changes sorted by effective time, with none of the step's incremental machinery (no
 * cursor, no base, no pruning, no diffs). Tests compare what the step's output materializes to
 * against {@link Result#rows()}.
 *
 * <p>The rules, written independently of the step: changes arrive in a given order; a change is
 * late when its time is more than the horizon before the latest accepted time of its key; of the
 * changes of a key with one effective time the one with the higher sequence wins, equal sequences
 * go to the later arrival; deletes are dropped under {@code IGNORE}. Then, in time order: a change
 * whose tracked columns differ from the live version closes it and opens a new one; a change of
 * Type-1 columns only overwrites the live version; a delete closes the live version (and opens a
 * delete marker under {@code NEW_RECORD}); a change after a delete opens a new version.
 *
 * <pre>{@code
 * Scd2Reference<Account> reference =
 *     Scd2Reference.<Account>ofColumns(Account.COLUMNS, ChangeDetection.all(), List.of("email"))
 *         .withHorizon(Duration.ofMillis(25));
 * Scd2Reference.Result<Account> expected = reference.replay(arrivals);
 * }</pre>
 *
 * @param <T> the attribute type
 */
public final class Scd2Reference<T> {

  /**
   * One change as it arrives at the step.
   *
   * @param row the entity's state, or null for a hard delete
   */
  public record Input<T>(String key, long time, long sequence, @Nullable T row) {
    public static <T> Input<T> upsert(String key, long time, long sequence, T row) {
      return new Input<>(key, time, sequence, Objects.requireNonNull(row, "row"));
    }

    public static <T> Input<T> delete(String key, long time, long sequence) {
      return new Input<>(key, time, sequence, null);
    }

    public boolean isDelete() {
      return row == null;
    }
  }

  /**
   * What the step's output must materialize to.
   *
   * @param rows every version (for append output only the final ones), by key then validFrom
   * @param late the changes that were late, in arrival order
   */
  public record Result<T>(List<Scd2Row<T>> rows, List<Input<T>> late) {

    /** The rows by (key, validFrom), the key {@link Scd2Invariants#versionKey} uses. */
    public Map<String, Scd2Row<T>> byVersion() {
      Map<String, Scd2Row<T>> table = new LinkedHashMap<>();
      for (Scd2Row<T> row : rows) {
        table.put(Scd2Invariants.versionKey(row), row);
      }
      return table;
    }
  }

  private final BiPredicate<T, T> sameTracked;
  private final BiPredicate<T, T> sameType1;
  private final BiPredicate<T, T> sameRow;
  private final HardDeletes hardDeletes;
  private final long horizon;
  private final Scd2Output output;
  @Nullable private final Long validToCurrent;

  private Scd2Reference(
      BiPredicate<T, T> sameTracked,
      BiPredicate<T, T> sameType1,
      BiPredicate<T, T> sameRow,
      HardDeletes hardDeletes,
      long horizon,
      Scd2Output output,
      @Nullable Long validToCurrent) {
    this.sameTracked = sameTracked;
    this.sameType1 = sameType1;
    this.sameRow = sameRow;
    this.hardDeletes = hardDeletes;
    this.horizon = horizon;
    this.output = output;
    this.validToCurrent = validToCurrent;
  }

  /**
   * A reference comparing rows with the given predicates: tracked columns, Type-1 columns, and
   * every column (redeliveries). Defaults: deletes invalidate, horizon of the step's default,
   * retract output, open-ended current versions.
   */
  public static <T> Scd2Reference<T> of(
      BiPredicate<T, T> sameTracked, BiPredicate<T, T> sameType1, BiPredicate<T, T> sameRow) {
    return new Scd2Reference<>(
        sameTracked,
        sameType1,
        sameRow,
        Scd2.DEFAULT_HARD_DELETES,
        Scd2.DEFAULT_LATENESS_HORIZON.toMillis(),
        Scd2.DEFAULT_OUTPUT,
        null);
  }

  /**
   * A reference for named columns read by getters, resolved like the step resolves a {@link
   * ChangeDetection} and Type-1 columns.
   *
   * @param columns every column of the attribute type by name, in any order
   */
  public static <T> Scd2Reference<T> ofColumns(
      Map<String, Function<T, Object>> columns, ChangeDetection detection, List<String> type1) {
    List<Function<T, Object>> tracked = new ArrayList<>();
    List<Function<T, Object>> type1Getters = new ArrayList<>();
    for (Map.Entry<String, Function<T, Object>> column : columns.entrySet()) {
      String name = column.getKey();
      boolean isType1 = type1.contains(name);
      boolean listed = detection.columns().contains(name);
      boolean isTracked =
          !isType1
              && switch (detection.kind()) {
                case ALL -> true;
                case ONLY -> listed;
                case ALL_EXCEPT -> !listed;
              };
      if (isType1) {
        type1Getters.add(column.getValue());
      }
      if (isTracked) {
        tracked.add(column.getValue());
      }
    }
    List<Function<T, Object>> all = new ArrayList<>(columns.values());
    return of(same(tracked), same(type1Getters), same(all));
  }

  private static <T> BiPredicate<T, T> same(List<Function<T, Object>> getters) {
    return (a, b) -> {
      for (Function<T, Object> getter : getters) {
        if (!Objects.deepEquals(getter.apply(a), getter.apply(b))) {
          return false;
        }
      }
      return true;
    };
  }

  public Scd2Reference<T> withHardDeletes(HardDeletes deletes) {
    return new Scd2Reference<>(
        sameTracked, sameType1, sameRow, deletes, horizon, output, validToCurrent);
  }

  public Scd2Reference<T> withHorizon(Duration latenessHorizon) {
    return new Scd2Reference<>(
        sameTracked,
        sameType1,
        sameRow,
        hardDeletes,
        latenessHorizon.toMillis(),
        output,
        validToCurrent);
  }

  public Scd2Reference<T> withOutput(Scd2Output mode) {
    return new Scd2Reference<>(
        sameTracked, sameType1, sameRow, hardDeletes, horizon, mode, validToCurrent);
  }

  public Scd2Reference<T> withValidToCurrent(@Nullable Instant sentinel) {
    return new Scd2Reference<>(
        sameTracked,
        sameType1,
        sameRow,
        hardDeletes,
        horizon,
        output,
        sentinel == null ? null : sentinel.toEpochMilli());
  }

  /** The history the step must produce from these arrivals. */
  public Result<T> replay(List<Input<T>> arrivals) {
    Map<String, Long> latest = new LinkedHashMap<>();
    Map<String, TreeMap<Long, Input<T>>> accepted = new TreeMap<>();
    List<Input<T>> late = new ArrayList<>();
    for (Input<T> input : arrivals) {
      if (input.isDelete() && hardDeletes == HardDeletes.IGNORE) {
        continue;
      }
      Long last = latest.get(input.key());
      if (last != null && input.time() < last - horizon) {
        late.add(input);
        continue;
      }
      TreeMap<Long, Input<T>> changes = accepted.computeIfAbsent(input.key(), k -> new TreeMap<>());
      Input<T> kept = changes.get(input.time());
      boolean wins =
          kept == null
              || input.sequence() > kept.sequence()
              || (input.sequence() == kept.sequence() && !sameChange(input, kept));
      if (wins) {
        changes.put(input.time(), input);
      }
      latest.put(input.key(), last == null ? input.time() : Math.max(last, input.time()));
    }
    List<Scd2Row<T>> rows = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Long, Input<T>>> key : accepted.entrySet()) {
      long finalBefore = latest.get(key.getKey()) - horizon;
      for (Scd2Row<T> row : history(key.getKey(), key.getValue())) {
        boolean isFinal = !row.isCurrent() && row.validToMillis() < finalBefore;
        if (output != Scd2Output.APPEND || isFinal) {
          rows.add(row);
        }
      }
    }
    rows.sort(
        Comparator.comparing((Scd2Row<T> r) -> r.key()).thenComparing(Scd2Row::validFromMillis));
    return new Result<>(rows, late);
  }

  private boolean sameChange(Input<T> a, Input<T> b) {
    if (a.isDelete() || b.isDelete()) {
      return a.isDelete() && b.isDelete();
    }
    return sameRow.test(a.row(), b.row());
  }

  /** The versions of one key from its accepted changes in time order. */
  private List<Scd2Row<T>> history(String key, TreeMap<Long, Input<T>> changes) {
    record Open<T>(long from, long number, T row, boolean deleted) {}
    List<Scd2Row<T>> versions = new ArrayList<>();
    Open<T> open = null;
    long count = 0;
    for (Map.Entry<Long, Input<T>> entry : changes.entrySet()) {
      long time = entry.getKey();
      Input<T> change = entry.getValue();
      if (change.isDelete()) {
        if (open != null && !open.deleted()) {
          versions.add(closed(key, open.from(), time, open.number(), open.row(), false));
          if (hardDeletes == HardDeletes.NEW_RECORD) {
            open = new Open<>(time, ++count, open.row(), true);
          } else {
            open = null;
          }
        }
        continue;
      }
      T row = change.row();
      if (open != null && !open.deleted() && sameTracked.test(open.row(), row)) {
        if (!sameType1.test(open.row(), row)) {
          open = new Open<>(open.from(), open.number(), row, false);
        }
        continue;
      }
      if (open != null) {
        versions.add(closed(key, open.from(), time, open.number(), open.row(), open.deleted()));
      }
      open = new Open<>(time, ++count, row, false);
    }
    if (open != null) {
      versions.add(
          Scd2Row.of(
              key, open.row(), open.from(), validToCurrent, true, open.number(), open.deleted()));
    }
    return versions;
  }

  private static <T> Scd2Row<T> closed(
      String key, long from, long to, long number, T row, boolean deleted) {
    return Scd2Row.of(key, row, from, to, false, number, deleted);
  }
}
