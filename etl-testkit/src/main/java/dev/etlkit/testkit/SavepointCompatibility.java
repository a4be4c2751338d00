package dev.etlkit.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;

/**
 * Savepoint compatibility, enforced by the build: a committed snapshot file per stateful operator,
 * state format version and backend, which a test restores into today's operator. Any change of
 * state names, types or serializer formats that today's code cannot read breaks that test: a state
 * whose type or serializer changed incompatibly fails the {@link #restore}, and a keyed or operator
 * state of the file that today's operator never registers, as a state of the same kind (keyed,
 * operator list or union, broadcast), or a timer service of the file it never creates, fails the
 * restored harness's {@link OperatorHarness#close() close()}.
 *
 * <p>That second check exists because Flink does not fail there: it restores every state of the
 * file into the backend, and an operator that renamed a state (or no longer uses it) registers a
 * new, empty one and leaves the old entries unread, to be carried along by every later savepoint.
 * Timers alike: Flink restores the timers of every timer service of the file, but only a service
 * the operator asks for by name ({@code getInternalTimerService}; a process function's is {@code
 * user-timers}) fires them, so an operator that renamed its service or stopped using timers loses
 * them silently. The check runs when the harness closes, after the test's own input, so a state the
 * operator fetches lazily (on the first element that needs it, say) passes once the test has fed
 * such an element, and fails when the test never takes that path: the test then does not show that
 * the state survives. Close the harness (try-with-resources), or nothing is checked. The message
 * names the states and timer services, never their values. An operator that drops a state on
 * purpose, in a new format version's migration, declares it with {@link #withDroppedStates}; one
 * that drops a timer service's timers, with {@link #withDroppedTimerServices}.
 *
 * <p>The files hold canonical savepoints (the form state takes across Flink and etlkit upgrades)
 * written with {@link SnapshotFiles}, named {@code <operator>-v<version>-<backend>.snapshot}, for
 * example {@code dedup-keep-first-v1-rocksdb.snapshot}.
 *
 * <pre>{@code
 * SavepointCompatibility snapshots =
 *     SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);
 *
 * try (OperatorHarness<Change<String>, String> harness =
 *     snapshots.restore("sample-counter", 1, SampleCounter.harness().on(backend), STATE)) {
 *   harness.processElement(Change.updateAfter("k1#v3"), 50);
 *   // ... assert the operator continued from the restored state
 * }
 * }</pre>
 *
 * <p>When the file is missing, {@link #restore} fails and says how to create it; with the system
 * property {@value #WRITE_PROPERTY}{@code =true} it instead runs {@code stateInput} on a fresh
 * harness, writes the savepoint, and restores from the written file. Files that exist are never
 * overwritten, in write mode either: a whole test class can run in write mode to add a new
 * version's files while its old versions' files are restored as usual. Create files with:
 *
 * <pre>
 * mvn -f &lt;module&gt;/pom.xml test -Dtest=&lt;TestClass&gt; -Detlkit.snapshots.write=true
 * </pre>
 *
 * <p>then commit them. Write a file once, for a new operator or a new format version; never
 * regenerate an existing version to make a failing restore pass, since that is exactly the break it
 * exists to catch (to rewrite a file on purpose, delete it first: the deletion shows in review).
 * Keep old versions and their tests while the release that wrote them is supported.
 */
@PublicEvolving
public final class SavepointCompatibility {

  /** Set to {@code true} to create the snapshot files that are missing instead of failing. */
  public static final String WRITE_PROPERTY = "etlkit.snapshots.write";

  /** Where modules keep their snapshot files, relative to the module directory. */
  public static final Path DEFAULT_DIRECTORY = Path.of("src", "test", "resources", "snapshots");

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

  private final Path directory;

  /** States of the files that today's operators drop on purpose; see {@link #withDroppedStates}. */
  private final Set<String> droppedStates;

  /** Timer services of the files whose timers today's operators drop on purpose. */
  private final Set<String> droppedTimerServices;

  private SavepointCompatibility(
      Path directory, Set<String> droppedStates, Set<String> droppedTimerServices) {
    this.directory = directory;
    this.droppedStates = droppedStates;
    this.droppedTimerServices = droppedTimerServices;
  }

  /**
   * Snapshot files in the given directory; a relative path is resolved against the working
   * directory, which Maven Surefire sets to the module directory.
   */
  public static SavepointCompatibility in(Path directory) {
    return new SavepointCompatibility(
        Objects.requireNonNull(directory, "directory"), Set.of(), Set.of());
  }

  /**
   * These snapshot files restored into operators that drop the named states on purpose: a format
   * version's migration that no longer keeps them. {@link #restore}'s harness then fails when it
   * closes if the operator registered one of them, and no longer if it did not. Each call replaces
   * the names of the calls before; none (the default) declares no state dropped. Declare them for
   * the restore of the files that hold them, not for the whole directory.
   *
   * @param stateNames names of keyed or operator states of the file {@link #restore} reads; naming
   *     another state fails the restore
   * @throws IllegalArgumentException for an empty or null name, or a name given twice
   */
  public SavepointCompatibility withDroppedStates(String... stateNames) {
    return new SavepointCompatibility(
        directory,
        names("droppedStates", Objects.requireNonNull(stateNames, "stateNames")),
        droppedTimerServices);
  }

  /** The states declared dropped with {@link #withDroppedStates}, sorted; empty by default. */
  public Set<String> droppedStates() {
    return droppedStates;
  }

  /**
   * These snapshot files restored into operators that drop the timers of the named timer services
   * on purpose: a format version's migration that no longer sets them (a renamed service, or no
   * timers at all), accepting that the file's timers there never fire. {@link #restore}'s harness
   * then fails when it closes if the operator created one of them, and no longer if it did not.
   * Each call replaces the names of the calls before; none (the default) declares no timer service
   * dropped. Apart from {@link #withDroppedStates}: a timer service may share its name with a
   * state.
   *
   * @param serviceNames names of timer services of the file {@link #restore} reads, as the operator
   *     gave them to {@code getInternalTimerService} ({@code user-timers} for a process
   *     function's); naming another fails the restore
   * @throws IllegalArgumentException for an empty or null name, or a name given twice
   */
  public SavepointCompatibility withDroppedTimerServices(String... serviceNames) {
    return new SavepointCompatibility(
        directory,
        droppedStates,
        names("droppedTimerServices", Objects.requireNonNull(serviceNames, "serviceNames")));
  }

  /**
   * The timer services declared dropped with {@link #withDroppedTimerServices}, sorted; empty by
   * default.
   */
  public Set<String> droppedTimerServices() {
    return droppedTimerServices;
  }

  private static Set<String> names(String option, String[] given) {
    Set<String> names = new TreeSet<>();
    for (String name : given) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException(
            option + " must not hold an empty or null name, was " + Arrays.toString(given));
      }
      if (!names.add(name)) {
        throw new IllegalArgumentException(option + " names '" + name + "' twice");
      }
    }
    return Collections.unmodifiableSet(names);
  }

  /** True when {@value #WRITE_PROPERTY} is {@code true}. */
  public static boolean isWriting() {
    return Boolean.getBoolean(WRITE_PROPERTY);
  }

  /**
   * The file for the operator, format version and backend.
   *
   * @param operatorName lower case letters, digits, {@code .}, {@code _} and {@code -}
   * @param formatVersion the operator's state format version, from 1
   */
  public Path file(String operatorName, int formatVersion, StateBackendKind backend) {
    if (!NAME.matcher(operatorName).matches()) {
      throw new IllegalArgumentException(
          "operatorName must match " + NAME.pattern() + ", was '" + operatorName + "'");
    }
    if (formatVersion < 1) {
      throw new IllegalArgumentException("formatVersion must be >= 1, was " + formatVersion);
    }
    return directory.resolve(
        operatorName
            + "-v"
            + formatVersion
            + "-"
            + backend.name().toLowerCase(Locale.ROOT)
            + ".snapshot");
  }

  /**
   * A fresh harness (on {@code harness.backend()}) restored from the stored snapshot file, opened,
   * clocks at 0. With {@value #WRITE_PROPERTY}{@code =true} and no file yet, first creates it by
   * running {@code stateInput} on a fresh harness and taking a savepoint; an existing file is never
   * overwritten.
   *
   * <p>Closing the returned harness fails with an {@link AssertionError} naming the keyed and
   * operator states of the file the operator never registered by then, other than those declared
   * with {@link #withDroppedStates}, or the declared ones it did register; and then the timer
   * services of the file it never created by then, other than those declared with {@link
   * #withDroppedTimerServices}, or the declared ones it did create (see the class comment).
   *
   * @throws AssertionError when the file is missing (saying how to create it) or cannot be restored
   *     (the state layout changed incompatibly); in write mode, when the operator cannot restore
   *     the file it has just written, which is then deleted
   * @throws IllegalArgumentException when {@link #withDroppedStates} names a state that is no keyed
   *     or operator state of the file, or {@link #withDroppedTimerServices} a timer service that is
   *     none of the file
   * @throws IllegalArgumentException for a recipe on ForSt ({@link KeyedHarness#onForSt}), which
   *     writes no canonical savepoints: restore a heap or RocksDB {@link #file} on ForSt with
   *     {@link SnapshotFiles#read} and {@link KeyedHarness#restore}
   */
  public <I, O> OperatorHarness<I, O> restore(
      String operatorName,
      int formatVersion,
      KeyedHarness<?, I, O> harness,
      HarnessInput<I> stateInput)
      throws Exception {
    if (harness.forSt()) {
      throw new IllegalArgumentException(
          "snapshot files hold canonical savepoints, which ForSt does not write: restore the heap"
              + " or RocksDB file on ForSt with SnapshotFiles.read(file(...)) and"
              + " KeyedHarness.restore");
    }
    Path file = file(operatorName, formatVersion, harness.backend());
    boolean written = false;
    if (isWriting() && !Files.exists(file)) {
      try (OperatorHarness<I, O> writer = harness.open()) {
        writer.run(stateInput);
        SnapshotFiles.write(file, writer.savepoint());
      }
      written = true;
    } else if (!Files.isRegularFile(file)) {
      throw new AssertionError(
          "No snapshot file "
              + file.toAbsolutePath()
              + ". Create it (once, for a new operator or format version) with\n  mvn -f "
              + modulePom()
              + " test -Dtest="
              + callingClass()
              + " -D"
              + WRITE_PROPERTY
              + "=true\nand commit it (the Maven wrapper, ./mvnw, takes the same arguments).");
    }
    OperatorSubtaskState state = SnapshotFiles.read(file);
    OperatorHarness<I, O> restored;
    try {
      restored = harness.restore(state);
    } catch (Exception e) {
      if (written) {
        // not a layout change: the operator cannot restore its own savepoint; commit no such file
        Files.delete(file);
        throw new AssertionError(
            operatorName
                + " on "
                + harness.backend()
                + " does not restore the savepoint it has just written, so "
                + file
                + " was deleted again: fix the operator's restore (its serializers, its"
                + " initializeState) and write the file then",
            e);
      }
      throw new AssertionError(
          "Could not restore "
              + file
              + " into "
              + operatorName
              + " on "
              + harness.backend()
              + ": its state layout changed incompatibly. Keep state names and serializers "
              + "compatible, or bump the format version (keeping this file and its test).",
          e);
    }
    try {
      restored.checkOnClose(
          RestoredStatesCheck.of(
              file.toString(),
              operatorName + " on " + harness.backend(),
              state,
              restored.unwrap().getEnvironment().getUserCodeClassLoader().asClassLoader(),
              droppedStates,
              droppedTimerServices));
    } catch (IOException | RuntimeException e) {
      try {
        restored.close();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    return restored;
  }

  /**
   * The pom of the module whose test runs: Surefire's working directory is the module directory.
   * Named by its path, so the command works in any build, not only from the root of a reactor whose
   * module directories are named like the modules.
   */
  private static String modulePom() {
    Path pom = Path.of("pom.xml").toAbsolutePath();
    return Files.isRegularFile(pom) ? pom.toString() : "<module>/pom.xml";
  }

  /** The test class that called us, without nested-class suffix. */
  private static String callingClass() {
    String me = SavepointCompatibility.class.getName();
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames
                    .map(StackWalker.StackFrame::getClassName)
                    .filter(name -> !name.equals(me))
                    .findFirst())
        .map(name -> name.substring(name.lastIndexOf('.') + 1).replaceAll("\\$.*", ""))
        .orElse("<TestClass>");
  }
}
