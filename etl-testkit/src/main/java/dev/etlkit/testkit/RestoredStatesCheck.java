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
 * registered every keyed and operator state of the snapshot file, each as a state of the same kind
 * (keyed, operator list or union, broadcast), but those declared dropped, and none of those. A
 * restored state the operator never registers stays in the backend, unread, and every later
 * savepoint carries it along; the state the operator registers instead starts empty. Timer services
 * are not compared (Flink restores a timer service whether or not the operator asks for it again).
 */
final class RestoredStatesCheck {

  private final String file;
  private final String operator;

  /** The keyed, operator (list and union) and broadcast states of the file, each kind apart. */
  private final Kinds restored;

  private final SortedSet<String> dropped;

  private RestoredStatesCheck(
      String file, String operator, Kinds restored, SortedSet<String> dropped) {
    this.file = file;
    this.operator = operator;
    this.restored = restored;
    this.dropped = dropped;
  }

  /**
   * State names by kind: a state of one kind does not register the state of another kind that has
   * its name (a keyed state moved to operator state under the same name leaves the keyed one
   * unread).
   */
  private record Kinds(
      SortedSet<String> keyed, SortedSet<String> operator, SortedSet<String> broadcast) {

    SortedSet<String> all() {
      SortedSet<String> names = new TreeSet<>(keyed);
      names.addAll(operator);
      names.addAll(broadcast);
      return names;
    }

    /** The names of this of a kind that {@code registered} lacks in that kind. */
    SortedSet<String> missingFrom(Kinds registered) {
      SortedSet<String> missing = new TreeSet<>();
      missing.addAll(minus(keyed, registered.keyed));
      missing.addAll(minus(operator, registered.operator));
      missing.addAll(minus(broadcast, registered.broadcast));
      return missing;
    }

    private static SortedSet<String> minus(SortedSet<String> a, SortedSet<String> b) {
      SortedSet<String> left = new TreeSet<>(a);
      left.removeAll(b);
      return left;
    }
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
    Kinds restored = new Kinds(new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
    for (String name : saved.names()) { // timer services are none of these
      if (saved.serializer(name) != null) {
        restored.keyed().add(name);
      }
      if (saved.operatorStateSerializer(name) != null) {
        restored.operator().add(name);
      }
      if (saved.broadcastStateSerializers(name) != null) {
        restored.broadcast().add(name);
      }
    }
    SortedSet<String> unknown = new TreeSet<>(dropped);
    unknown.removeAll(restored.all());
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "droppedStates names "
              + unknown
              + ", which are no keyed or operator states of "
              + file
              + " (it holds "
              + restored.all()
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
    Kinds registered =
        new Kinds(
            RegisteredStates.keyed(running.getKeyedStateBackend()),
            RegisteredStates.operator(running.getOperatorStateBackend()),
            RegisteredStates.broadcast(running.getOperatorStateBackend()));
    SortedSet<String> lost = restored.missingFrom(registered);
    lost.removeAll(dropped);
    SortedSet<String> kept = new TreeSet<>(dropped);
    kept.retainAll(registered.all());
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
