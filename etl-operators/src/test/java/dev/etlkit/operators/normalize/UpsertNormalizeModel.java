package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.operators.normalize.UpsertNormalize.Route;
import dev.etlkit.testkit.ChangelogGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.types.RowKind;

/**
 * The reference model of the upsert normalizer on generated string rows, written independently of
 * the operator: two maps and the rules of {@code docs/normalize.md}, nothing shared. The sequence,
 * when versioned, is the source position.
 */
final class UpsertNormalizeModel {

  /** What the model emitted: main output, side output, dead letters and counts. */
  record Result(
      List<Change<String>> output,
      List<Change<String>> rejected,
      List<Change<String>> deadLettered,
      int filtered,
      int deduplicated,
      int stale,
      int unknownKeyDeletes) {}

  private final boolean versioned;
  private final Route unknownKeyDeletes;
  private final Route staleChanges;

  UpsertNormalizeModel(boolean versioned, Route unknownKeyDeletes, Route staleChanges) {
    this.versioned = versioned;
    this.unknownKeyDeletes = unknownKeyDeletes;
    this.staleChanges = staleChanges;
  }

  Result run(List<Change<String>> input) {
    Map<String, String> live = new HashMap<>();
    Map<String, Long> lastSequence = new HashMap<>();
    List<Change<String>> output = new ArrayList<>();
    List<Change<String>> rejected = new ArrayList<>();
    List<Change<String>> deadLettered = new ArrayList<>();
    int filtered = 0;
    int deduplicated = 0;
    int stale = 0;
    int unknown = 0;
    for (Change<String> change : input) {
      String key = ChangelogGenerator.stringKey(change.value());
      boolean upsert = change.kind() == RowKind.INSERT || change.kind() == RowKind.UPDATE_AFTER;
      if (change.kind() == RowKind.UPDATE_BEFORE) {
        filtered++;
        continue;
      }
      Long sequence = change.sourcePosition();
      if (versioned) {
        if (sequence == null) {
          deadLettered.add(change);
          continue;
        }
        Long last = lastSequence.get(key);
        if (last != null && sequence <= last) {
          boolean sameEvent =
              sequence.equals(last)
                  && (upsert ? change.value().equals(live.get(key)) : !live.containsKey(key));
          if (sameEvent) {
            deduplicated++;
          } else {
            stale++;
            switch (staleChanges) {
              case DROP -> filtered++;
              case SIDE_OUTPUT -> {
                rejected.add(change);
                filtered++;
              }
              case DEAD_LETTER -> deadLettered.add(change);
              default -> throw new IllegalStateException();
            }
          }
          continue;
        }
        lastSequence.put(key, sequence);
      }
      String old = live.get(key);
      if (upsert) {
        if (old == null) {
          output.add(change.withKind(RowKind.INSERT));
        } else if (old.equals(change.value())) {
          deduplicated++;
          continue;
        } else {
          output.add(retraction(RowKind.UPDATE_BEFORE, old, change));
          output.add(change.withKind(RowKind.UPDATE_AFTER));
        }
        live.put(key, change.value());
      } else if (old != null) {
        output.add(retraction(RowKind.DELETE, old, change));
        live.remove(key);
      } else {
        unknown++;
        switch (unknownKeyDeletes) {
          case DROP -> filtered++;
          case EMIT -> output.add(change);
          case SIDE_OUTPUT -> {
            rejected.add(change);
            filtered++;
          }
          case DEAD_LETTER -> deadLettered.add(change);
          default -> throw new IllegalStateException();
        }
      }
    }
    return new Result(output, rejected, deadLettered, filtered, deduplicated, stale, unknown);
  }

  private static Change<String> retraction(RowKind kind, String row, Change<String> cause) {
    return Change.of(kind, row, cause.eventTime(), cause.sourcePosition());
  }
}
