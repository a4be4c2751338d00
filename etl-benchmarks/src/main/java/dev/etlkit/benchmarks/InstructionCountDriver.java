package dev.etlkit.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Runs one JMH benchmark method in this JVM, without JMH, so that {@code count-instructions.sh} can
 * count the machine instructions it executes per record under valgrind's callgrind tool.
 *
 * <p>Instructions are a measure of work that the machine's load does not move: callgrind counts the
 * same total for the same code and input whatever else runs. They are not time (a cache miss costs
 * one instruction and a hundred cycles), so they complement the JMH figures, never replace them.
 *
 * <p>The driver sets the benchmark's {@code @Param} fields from {@code name=value} arguments (a
 * field not named gets its annotation's value when it lists one, and must be named when it lists
 * several), runs its {@code @Setup(Level.Trial)} and {@code @Setup(Level.Iteration)} methods,
 * invokes the benchmark method {@code warmup} times, then for each of {@code rounds} rounds: prints
 * {@code READY <round>}, waits for a line on standard input (the script zeroes callgrind's
 * counters), runs {@code measured} invocations, prints {@code DONE <round> <records>} and waits for
 * another line (the script dumps the counters). Records are invocations times the method's
 * {@code @OperationsPerInvocation}. Run it with {@code -Xbatch}, so that every compilation finishes
 * where it is triggered (in the warm-up) instead of in a background thread during a measured round.
 *
 * <p>{@code --jvm-args <benchmark class>} prints the JVM options of the class's {@code @Fork}
 * annotation (inherited from {@link BenchmarkSettings}), one per line, for the script to start the
 * driver's JVM with the flags JMH would give a fork.
 *
 * <pre>
 * InstructionCountDriver &lt;benchmark class&gt; &lt;method&gt; &lt;warmup&gt; &lt;measured&gt; &lt;rounds&gt; [param=value ...]
 * InstructionCountDriver --jvm-args &lt;benchmark class&gt;
 * </pre>
 */
public final class InstructionCountDriver {

  /** JMH's consent string for making a {@link Blackhole} outside its generated code. */
  private static final String BLACKHOLE =
      "Today's password is swordfish. I understand instantiating Blackholes directly is"
          + " dangerous.";

  private final Object benchmark;
  private final Method method;
  private final Object[] arguments;
  private final int operationsPerInvocation;

  InstructionCountDriver(String className, String methodName, List<String> params)
      throws ReflectiveOperationException {
    Class<?> type = Class.forName(className);
    this.benchmark = type.getDeclaredConstructor().newInstance();
    Set<String> given = new HashSet<>();
    for (String param : params) {
      int eq = param.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("A parameter is name=value, got: " + param);
      }
      setParam(param.substring(0, eq), param.substring(eq + 1));
      given.add(param.substring(0, eq));
    }
    setDefaultParams(type, given);
    this.method = benchmarkMethod(type, methodName);
    this.arguments =
        method.getParameterCount() == 0 ? new Object[0] : new Object[] {new Blackhole(BLACKHOLE)};
    OperationsPerInvocation ops = method.getAnnotation(OperationsPerInvocation.class);
    this.operationsPerInvocation = ops == null ? 1 : ops.value();
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--jvm-args")) {
      for (String arg : forkJvmArgs(Class.forName(args[1]))) {
        System.out.println(arg);
      }
      return;
    }
    if (args.length < 5) {
      System.err.println(
          "usage: InstructionCountDriver <class> <method> <warmup> <measured> <rounds>"
              + " [param=value ...]");
      System.exit(2);
    }
    InstructionCountDriver driver =
        new InstructionCountDriver(args[0], args[1], List.of(args).subList(5, args.length));
    BufferedReader control =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    driver.run(
        Integer.parseInt(args[2]),
        Integer.parseInt(args[3]),
        Integer.parseInt(args[4]),
        System.out,
        control);
  }

  /** The {@code jvmArgs} of the class's (inherited) {@code @Fork}, empty without one. */
  static List<String> forkJvmArgs(Class<?> type) {
    Fork fork = type.getAnnotation(Fork.class);
    return fork == null ? List.of() : List.of(fork.jvmArgs());
  }

  /** Set-up, warm-up, the measured rounds with their handshakes, tear-down. */
  void run(int warmup, int measured, int rounds, PrintStream out, BufferedReader control)
      throws Exception {
    invokeAll(Setup.class, Level.Trial);
    invokeAll(Setup.class, Level.Iteration);
    try {
      invoke(warmup);
      for (int round = 1; round <= rounds; round++) {
        out.println("READY " + round);
        out.flush();
        awaitLine(control);
        invoke(measured);
        out.println("DONE " + round + " " + (long) measured * operationsPerInvocation);
        out.flush();
        awaitLine(control);
      }
    } finally {
      invokeAll(TearDown.class, Level.Iteration);
      invokeAll(TearDown.class, Level.Trial);
    }
  }

  private void invoke(int times) throws Exception {
    try {
      for (int i = 0; i < times; i++) {
        method.invoke(benchmark, arguments);
      }
    } catch (InvocationTargetException e) {
      throw unwrap(e);
    }
  }

  private static void awaitLine(BufferedReader control) throws IOException {
    if (control.readLine() == null) {
      throw new IOException("The control input ended before the run did");
    }
  }

  /** The public method of that name taking nothing or one {@link Blackhole}, as JMH allows. */
  private static Method benchmarkMethod(Class<?> type, String name) throws NoSuchMethodException {
    for (Method m : type.getMethods()) {
      Class<?>[] parameters = m.getParameterTypes();
      if (m.getName().equals(name)
          && (parameters.length == 0
              || (parameters.length == 1 && parameters[0] == Blackhole.class))) {
        return m;
      }
    }
    throw new NoSuchMethodException(
        "No public method " + name + "() or " + name + "(Blackhole) in " + type.getName());
  }

  /**
   * Gives every {@code @Param} field not named on the command line its default, as JMH would when
   * the annotation lists one value; one that lists several must be named (the driver runs one
   * combination).
   */
  private void setDefaultParams(Class<?> type, Set<String> given)
      throws ReflectiveOperationException {
    for (Class<?> k = type; k != null; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        Param param = f.getAnnotation(Param.class);
        if (param == null || given.contains(f.getName())) {
          continue;
        }
        if (param.value().length != 1) {
          throw new IllegalArgumentException(
              "Give one value of @Param "
                  + f.getName()
                  + " (name=value), one of "
                  + Arrays.toString(param.value()));
        }
        setParam(f.getName(), param.value()[0]);
      }
    }
  }

  private void setParam(String name, String value) throws ReflectiveOperationException {
    Field field = field(benchmark.getClass(), name);
    if (!field.isAnnotationPresent(Param.class)) {
      throw new IllegalArgumentException(
          name + " is a field of " + benchmark.getClass().getName() + " but not a @Param");
    }
    Class<?> type = field.getType();
    Object parsed;
    if (type.isEnum()) {
      parsed = enumValue(type, value);
    } else if (type == int.class) {
      parsed = Integer.parseInt(value);
    } else if (type == long.class) {
      parsed = Long.parseLong(value);
    } else if (type == double.class) {
      parsed = Double.parseDouble(value);
    } else if (type == boolean.class) {
      parsed = Boolean.parseBoolean(value);
    } else if (type == String.class) {
      parsed = value;
    } else {
      throw new IllegalArgumentException("Unsupported @Param type " + type + " of " + name);
    }
    field.setAccessible(true);
    field.set(benchmark, parsed);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Object enumValue(Class<?> type, String value) {
    return Enum.valueOf((Class) type, value);
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    for (Class<?> k = type; k != null; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (f.getName().equals(name)) {
          return f;
        }
      }
    }
    throw new NoSuchFieldException("No field " + name + " in " + type.getName());
  }

  /** Runs the methods with the given annotation and level, superclasses' first (as JMH does). */
  private void invokeAll(Class<? extends Annotation> annotation, Level level) throws Exception {
    List<Class<?>> chain = new ArrayList<>();
    for (Class<?> k = benchmark.getClass(); k != null; k = k.getSuperclass()) {
      chain.add(0, k);
    }
    for (Class<?> k : chain) {
      for (Method m : k.getDeclaredMethods()) {
        if (levelOf(m, annotation) == level) {
          m.setAccessible(true);
          try {
            m.invoke(benchmark);
          } catch (InvocationTargetException e) {
            throw unwrap(e);
          }
        }
      }
    }
  }

  private static Level levelOf(Method m, Class<? extends Annotation> annotation) {
    if (annotation == Setup.class && m.isAnnotationPresent(Setup.class)) {
      return m.getAnnotation(Setup.class).value();
    }
    if (annotation == TearDown.class && m.isAnnotationPresent(TearDown.class)) {
      return m.getAnnotation(TearDown.class).value();
    }
    return null;
  }

  private static Exception unwrap(InvocationTargetException e) {
    Throwable cause = e.getCause();
    if (cause instanceof Exception) {
      return (Exception) cause;
    }
    if (cause instanceof Error) {
      throw (Error) cause;
    }
    return e;
  }
}
