package dev.etlkit.testkit;

import dev.etlkit.core.internal.SavedStates;
import dev.etlkit.testkit.internal.RegisteredStates;
import java.io.IOException;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;

/**
 * What {@link SavepointCompatibility#restore}'s harness checks when it closes: that the operator
 * registered every keyed and operator state of the snapshot file, but those declared dropped, and
 * none of those. A restored state the operator never registers stays in the backend, unread, and
 * every later savepoint carries it along; the state the operator registers instead starts empty.
 * Timer services are not compared (Flink restores a timer service whether or not the operator asks
 * for it again).
 */
final class RestoredStatesCheck {

  private final String file;
  private final String operator;
  private final SortedSet<String> restored;
  private final SortedSet<String> dropped;

  private RestoredStatesCheck(
      String file, String operator, SortedSet<String> restored, SortedSet<String> dropped) {
    this.file = file;
    this.operator = operator;
    this.restored = restored;
    this.dropped = dropped;
  }

  /**
   * The check for {@code state}, read from {@code file}, restored into {@code operator}.
   *
   * @param dropped states of the file the operator drops on purpose
   * @throws IllegalArgumentException if {@code dropped} names a state that is not a keyed or
   *     operator state of the file
   */
  static RestoredStatesCheck of(
      String file,
      String operator,
      OperatorSubtaskState state,
      ClassLoader userCode,
      Set<String> dropped)
      throws IOException {
    SavedStates saved = SavedStates.of(state, userCode);
    SortedSet<String> restored = new TreeSet<>();
    for (String name : saved.names()) {
      if (saved.serializer(name) != null
          || saved.operatorStateSerializer(name) != null
          || saved.broadcastStateSerializers(name) != null) {
        restored.add(name); // not a timer service
      }
    }
    SortedSet<String> unknown = new TreeSet<>(dropped);
    unknown.removeAll(restored);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "droppedStates names "
              + unknown
              + ", which are no keyed or operator states of "
              + file
              + " (it holds "
              + restored
              + ")");
    }
    return new RestoredStatesCheck(file, operator, restored, new TreeSet<>(dropped));
  }

  /**
   * Fails if {@code running}, the restored operator about to close, did not register a restored
   * state it keeps, or registered one declared dropped.
   *
   * @throws AssertionError naming the states (never their values)
   */
  void verify(AbstractStreamOperator<?> running) {
    SortedSet<String> registered = RegisteredStates.keyed(running.getKeyedStateBackend());
    registered.addAll(RegisteredStates.operator(running.getOperatorStateBackend()));
    SortedSet<String> lost = new TreeSet<>(restored);
    lost.removeAll(dropped);
    lost.removeAll(registered);
    SortedSet<String> kept = new TreeSet<>(dropped);
    kept.retainAll(registered);
    if (!lost.isEmpty()) {
      throw new AssertionError(
          file
              + " holds states the operator never registered: "
              + lost
              + ". Flink restored them, "
              + operator
              + " left them unread (a state it registers under another name started empty),"
              + " and every later savepoint would carry them along. Register them under these"
              + " names (and migrate them in initializeState), let the test take the path that"
              + " fetches a lazily registered state before the harness closes, or, to drop them"
              + " on purpose, declare them with SavepointCompatibility.withDroppedStates");
    }
    if (!kept.isEmpty()) {
      throw new AssertionError(
          file
              + ": "
              + operator
              + " registered states declared dropped with withDroppedStates: "
              + kept
              + ". Remove them from the declaration");
    }
  }
}
