package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.ChangelogGenerator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.types.RowKind;

/**
 * The reference model of the changelog check on generated string rows, written independently of the
 * operator: the live row per key and the keys waiting for an UPDATE_AFTER. Returns, per input
 * record, null when it passes or the rule it breaks.
 */
final class ChangelogCheckModel {

  static final String PENDING = "UPDATE_BEFORE not followed by its UPDATE_AFTER";
  static final String DUPLICATE_INSERT = "duplicate INSERT";
  static final String NOT_LIVE = "not live";
  static final String NO_BEFORE = "without an UPDATE_BEFORE";
  static final String OTHER_ROW = "does not carry the live row";

  private ChangelogCheckModel() {}

  static List<String> violations(List<Change<String>> changelog, boolean full) {
    Map<String, String> live = new HashMap<>();
    Set<String> pending = new HashSet<>();
    List<String> verdicts = new ArrayList<>();
    for (Change<String> change : changelog) {
      String key = ChangelogGenerator.stringKey(change.value());
      String row = change.value();
      String verdict = null;
      if (pending.remove(key)) {
        if (change.kind() == RowKind.UPDATE_AFTER) {
          live.put(key, row);
        } else {
          verdict = PENDING;
        }
      } else if (change.kind() == RowKind.INSERT) {
        if (live.containsKey(key)) {
          verdict = DUPLICATE_INSERT;
        } else {
          live.put(key, row);
        }
      } else if (change.kind() == RowKind.UPDATE_AFTER) {
        if (full && live.containsKey(key)) {
          verdict = NO_BEFORE;
        } else {
          live.put(key, row);
        }
      } else if (!live.containsKey(key)) {
        verdict = NOT_LIVE;
      } else if (full && !live.get(key).equals(row)) {
        verdict = OTHER_ROW;
      } else {
        live.remove(key);
        if (change.kind() == RowKind.UPDATE_BEFORE) {
          pending.add(key);
        }
      }
      verdicts.add(verdict);
    }
    return verdicts;
  }
}
