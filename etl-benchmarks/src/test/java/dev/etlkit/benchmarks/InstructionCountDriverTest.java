package dev.etlkit.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.benchmarks.enrich.EnrichAsyncCachedBenchmark;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/** The driver count-instructions.sh runs under callgrind, run here without valgrind. */
class InstructionCountDriverTest {

  /** What the fake benchmark saw, in order. */
  static final List<String> EVENTS = new ArrayList<>();

  enum Mode {
    A,
    B
  }

  /** A base class with its own set-up, as the real benchmarks have. */
  public abstract static class Base {
    @Setup(Level.Trial)
    public void baseTrial() {
      EVENTS.add("base-trial");
    }
  }

  /**
   * A benchmark with one param of each supported type (not annotated {@code @Benchmark}, so that
   * JMH's annotation processor generates nothing for it; the driver calls the method by name).
   */
  @State(Scope.Thread)
  public static class Fake extends Base {
    @Param({"A", "B"})
    public Mode mode;

    @Param("1")
    public int count;

    @Param("1")
    public long size;

    @Param("0.5")
    public double ratio;

    @Param("false")
    public boolean flag;

    @Param("x")
    public String name;

    @Param("7")
    public int unnamed;

    int invocations;

    @Setup(Level.Trial)
    public void trial() {
      EVENTS.add(
          "trial " + mode + " " + count + " " + size + " " + ratio + " " + flag + " " + name + " "
              + unnamed);
    }

    @Setup(Level.Iteration)
    public void iteration() {
      EVENTS.add("iteration");
    }

    @OperationsPerInvocation(10)
    public void run() {
      invocations++;
    }

    @OperationsPerInvocation(3)
    public void consume(Blackhole blackhole) {
      blackhole.consume(invocations++);
    }

    @TearDown(Level.Iteration)
    public void iterationDown() {
      EVENTS.add("iteration-down");
    }

    @TearDown(Level.Trial)
    public void trialDown() {
      EVENTS.add("trial-down " + invocations);
    }
  }

  @Test
  void setsParamsRunsRoundsBetweenHandshakesAndCountsRecords() throws Exception {
    EVENTS.clear();
    InstructionCountDriver driver =
        new InstructionCountDriver(
            Fake.class.getName(),
            "run",
            List.of("mode=B", "count=3", "size=4", "ratio=0.25", "flag=true", "name=y"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    driver.run(7, 5, 2, out, new BufferedReader(new StringReader("go\nnext\ngo\nnext\n")));

    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("READY 1", "DONE 1 50", "READY 2", "DONE 2 50");
    assertThat(EVENTS)
        .containsExactly(
            "base-trial",
            "trial B 3 4 0.25 true y 7",
            "iteration",
            "iteration-down",
            "trial-down " + (7 + 5 + 5));
  }

  @Test
  void passesABlackholeToAMethodThatTakesOne() throws Exception {
    EVENTS.clear();
    InstructionCountDriver driver =
        new InstructionCountDriver(Fake.class.getName(), "consume", List.of("mode=A"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    driver.run(2, 4, 1, out, new BufferedReader(new StringReader("go\nnext\n")));

    assertThat(bytes.toString(StandardCharsets.UTF_8).lines())
        .containsExactly("READY 1", "DONE 1 12");
    assertThat(EVENTS).contains("trial-down 6");
    assertThatThrownBy(
            () -> new InstructionCountDriver(Fake.class.getName(), "absent", List.of("mode=A")))
        .isInstanceOf(NoSuchMethodException.class)
        .hasMessageContaining("absent");
  }

  @Test
  void controlInputEndingEarlyFailsTheRunAndStillTearsDown() throws Exception {
    EVENTS.clear();
    InstructionCountDriver driver =
        new InstructionCountDriver(Fake.class.getName(), "run", List.of("mode=A"));
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    assertThatThrownBy(() -> driver.run(1, 1, 2, out, new BufferedReader(new StringReader("go\n"))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("control input ended");
    assertThat(EVENTS).contains("trial-down 2");
  }

  @Test
  void refusesUnknownAndMalformedParams() {
    assertThatThrownBy(
            () -> new InstructionCountDriver(Fake.class.getName(), "run", List.of("nope=1")))
        .isInstanceOf(NoSuchFieldException.class)
        .hasMessageContaining("nope");
    assertThatThrownBy(
            () ->
                new InstructionCountDriver(
                    Fake.class.getName(), "run", List.of("mode=A", "invocations=3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invocations")
        .hasMessageContaining("not a @Param");
    assertThatThrownBy(
            () -> new InstructionCountDriver(Fake.class.getName(), "run", List.of("mode")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name=value");
    assertThatThrownBy(
            () -> new InstructionCountDriver(Fake.class.getName(), "run", List.of("mode=C")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new InstructionCountDriver(Fake.class.getName(), "run", List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mode")
        .hasMessageContaining("[A, B]");
  }

  @Test
  void jvmArgsAreTheForkFlagsEveryBenchmarkInherits() {
    assertThat(InstructionCountDriver.forkJvmArgs(EnrichAsyncCachedBenchmark.class))
        .startsWith("-Xms2g", "-Xmx2g")
        .contains("--add-opens=java.base/java.util=ALL-UNNAMED");
    assertThat(InstructionCountDriver.forkJvmArgs(Fake.class)).isEmpty();
  }
}
