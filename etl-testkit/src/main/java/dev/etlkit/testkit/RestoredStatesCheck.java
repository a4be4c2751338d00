package dev.etlkit.testkit;

import dev.etlkit.core.internal.SavedStates;
import dev.etlkit.testkit.internal.RegisteredStates;
import dev.etlkit.testkit.internal.RegisteredTimerServices;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;

/**
 * What {@link SavepointCompatibility#restore}'s harness checks when it closes: that the operator
 * registered every keyed and operator state of the snapshot file, each as a state of the same kind
 * (keyed, operator list or union, broadcast), but those declared dropped, and none of those; and
 * that it created every timer service of the file, but those declared dropped, and none of those. A
 * restored state the operator never registers stays in the backend, unread, and every later
 * savepoint carries it along; the state the operator registers instead starts empty. The timers of
 * a restored timer service the operator never creates stay in the backend too, and never fire.
 */
final class RestoredStatesCheck {

  private final String file;
  private final String operator;

  /** The keyed, operator (list and union) and broadcast states of the file, each kind apart. */
  private final Kinds restored;

  private final SortedSet<String> dropped;

  /** The timer services of the file, by the names the operator gave them. */
  private final SortedSet<String> timerServices;

  private final SortedSet<String> droppedTimerServices;

  private RestoredStatesCheck(
      String file,
      String operator,
      Kinds restored,
      SortedSet<String> dropped,
      SortedSet<String> timerServices,
      SortedSet<String> droppedTimerServices) {
    this.file = file;
    this.operator = operator;
    this.restored = restored;
    this.dropped = dropped;
    this.timerServices = timerServices;
    this.droppedTimerServices = droppedTimerServices;
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
   * @param droppedTimerServices timer services of the file the operator drops on purpose
   * @throws IllegalArgumentException if {@code dropped} names a state that is not a keyed or
   *     operator state of the file, or {@code droppedTimerServices} a timer service that is not one
   *     of the file
   */
  static RestoredStatesCheck of(
      String file,
      String operator,
      OperatorSubtaskState state,
      ClassLoader userCode,
      Set<String> dropped,
      Set<String> droppedTimerServices)
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
    SortedSet<String> timerServices = new TreeSet<>(saved.timerServices());
    SortedSet<String> unknownServices = new TreeSet<>(droppedTimerServices);
    unknownServices.removeAll(timerServices);
    if (!unknownServices.isEmpty()) {
      throw new IllegalArgumentException(
          "droppedTimerServices names "
              + unknownServices
              + ", which are no timer services of "
              + file
              + " (it holds "
              + timerServices
              + ")");
    }
    return new RestoredStatesCheck(
        file,
        operator,
        restored,
        new TreeSet<>(dropped),
        timerServices,
        new TreeSet<>(droppedTimerServices));
  }

  /**
   * Fails if {@code running}, the restored operator about to close, did not register a restored
   * state it keeps or create a restored timer service it keeps, or registered or created one
   * declared dropped.
   *
   * @throws AssertionError naming the states and timer services (never their values): every problem
   *     found, one per line
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
    List<String> problems = new ArrayList<>();
    if (!lost.isEmpty()) {
      problems.add(
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
      problems.add(
          file
              + ": "
              + operator
              + " registered states declared dropped with withDroppedStates: "
              + kept
              + ". Remove them from the declaration");
    }
    verifyTimerServices(RegisteredTimerServices.of(running), problems);
    if (!problems.isEmpty()) {
      throw new AssertionError(String.join("\n", problems));
    }
  }

  private void verifyTimerServices(SortedSet<String> created, List<String> problems) {
    SortedSet<String> lost = new TreeSet<>(timerServices);
    lost.removeAll(created);
    lost.removeAll(droppedTimerServices);
    SortedSet<String> kept = new TreeSet<>(droppedTimerServices);
    kept.retainAll(created);
    if (!lost.isEmpty()) {
      problems.add(
          file
              + " holds timer services the operator never created: "
              + lost
              + ". Flink restored their timers, but "
              + operator
              + " never asked for these services (getInternalTimerService; a process function's"
              + " is \"user-timers\"), so none of their timers fires (a service it creates under"
              + " another name started without them), and every later savepoint would carry them"
              + " along. Create the services under these names, let the test take the path that"
              + " creates a lazily created service before the harness closes, or, to drop their"
              + " timers on purpose, declare them with"
              + " SavepointCompatibility.withDroppedTimerServices");
    }
    if (!kept.isEmpty()) {
      problems.add(
          file
              + ": "
              + operator
              + " created timer services declared dropped with withDroppedTimerServices: "
              + kept
              + ". Remove them from the declaration");
    }
  }
}
