package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.SavepointCheck.Report;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A savepoint whose state was written with a class the new version of the job no longer has (a
 * state's POJO renamed or moved to another package, which docs/operations.md says does not
 * restore): version 1 runs with the class in a jar of its own ({@code pipeline.jars}), version 2
 * without it; the check must agree with the restore of version 2, which fails.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SavepointCheckMissingClassITCase {

  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  static final Queue<String> OUTPUT = new ConcurrentLinkedQueue<>();

  @TempDir static Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"hashmap", "rocksdb"})
  void aStateClassRenamed_doesNotRestore_asTheRestoreFails(String backend) throws Exception {
    Path jar = goneJar(dir.resolve("gone-" + backend));
    String savepoint;
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
      TypeInformation<?> gone = TypeInformation.of(loader.loadClass("gone.Gone"));
      StreamExecutionEnvironment env = environment(backend, null, jar);
      build(env, gone);
      OUTPUT.clear();
      JobClient job = env.executeAsync("v1-gone");
      awaitOutput(job, 50);
      savepoint =
          job.stopWithSavepoint(false, dir.toString(), SavepointFormatType.CANONICAL)
              .get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
    TypeInformation<Renamed> renamed = TypeInformation.of(Renamed.class);

    StreamExecutionEnvironment checked = environment(backend, null, null);
    Report report = SavepointCheck.of(checked, build(checked, renamed)).against(savepoint);
    String failure = restoreFailure(backend, savepoint, renamed);

    assertThat(failure).as("Flink's restore of version 2").isNotNull();
    assertThat(report.restores())
        .as("the check, when the restore fails with %s%n%s", failure, report.toTable())
        .isFalse();
    assertThat(report.findings("p/probe"))
        .anySatisfy(f -> assertThat(f.message()).contains("gone.Gone"));
  }

  /** A jar with {@code gone.Gone}, a POJO with a String field {@code a}, compiled here. */
  private static Path goneJar(Path at) throws IOException {
    Path src = at.resolve("src/gone/Gone.java");
    Path classes = at.resolve("classes");
    Files.createDirectories(src.getParent());
    Files.createDirectories(classes);
    Files.writeString(src, "package gone; public class Gone { public String a; public Gone() {} }");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac.run(null, null, null, "-d", classes.toString(), src.toString())).isZero();
    Path jar = at.resolve("gone.jar");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out)) {
      jarOut.putNextEntry(new JarEntry("gone/Gone.class"));
      jarOut.write(Files.readAllBytes(classes.resolve("gone/Gone.class")));
      jarOut.closeEntry();
    }
    return jar;
  }

  private static StreamExecutionEnvironment environment(
      String backend, String restoreFrom, Path jar) {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, backend);
    if (jar != null) {
      conf.set(PipelineOptions.JARS, List.of(jar.toUri().toString()));
    }
    if (restoreFrom != null) {
      conf.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom);
    }
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(1);
    return env;
  }

  /** keys → step "p/probe" (a value state "s" of {@code type}) → sink. */
  private static StateInventory build(StreamExecutionEnvironment env, TypeInformation<?> type) {
    DataGeneratorSource<String> source =
        new DataGeneratorSource<>(
            i -> "k" + (i % 10), Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.STRING);
    DataStream<String> keys =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "keys").uid("keys");
    EtlStream<String> out =
        Etl.from(keys, "p")
            .apply(
                new EtlStep<String, String>() {
                  @Override
                  public String name() {
                    return "probe";
                  }

                  @Override
                  public DataStream<String> expand(DataStream<String> in, StepContext context) {
                    context.declareState(Types.STRING, StateDeclaration.value("s", type));
                    return context.named(
                        in.keyBy(new TestSteps.FirstWord(), Types.STRING)
                            .process(new PojoState(type), Types.STRING));
                  }
                });
    out.toDataStream().sinkTo(new QueueSink()).name("sink").uid("sink");
    return out.pipeline().stateInventory();
  }

  /** Restores version 2: null when it runs and emits, else its failure. */
  private static String restoreFailure(String backend, String savepoint, TypeInformation<?> type)
      throws Exception {
    StreamExecutionEnvironment env = environment(backend, savepoint, null);
    build(env, type);
    OUTPUT.clear();
    JobClient job = env.executeAsync("v2-renamed");
    try {
      awaitOutput(job, 20);
      return null;
    } catch (ExecutionException e) {
      return e.getCause().toString();
    } finally {
      if (!job.getJobStatus().get().isGloballyTerminalState()) {
        job.cancel().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Waits for output; throws the job's failure if it ends first. */
  private static void awaitOutput(JobClient job, int records) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (OUTPUT.size() < records) {
      if (job.getJobStatus().get().isGloballyTerminalState()) {
        job.getJobExecutionResult().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        throw new IllegalStateException("the job ended without failure before its output");
      }
      assertThat(System.nanoTime()).as("output within %s", PATIENCE).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }

  /** The POJO version 2 keeps in place of {@code gone.Gone}: the same field, another class. */
  public static class Renamed {
    public String a;

    public Renamed() {}
  }

  /** Keeps one value state "s" of a POJO type, written for each record. */
  static final class PojoState extends KeyedProcessFunction<String, String, String> {
    private final TypeInformation<?> type;
    private transient ValueState<Object> state;

    PojoState(TypeInformation<?> type) {
      this.type = type;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void open(OpenContext openContext) {
      state =
          getRuntimeContext()
              .getState(new ValueStateDescriptor<>("s", (TypeInformation<Object>) type));
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      state.update(type.getTypeClass().getDeclaredConstructor().newInstance());
      out.collect(ctx.getCurrentKey());
    }
  }

  static final class QueueSink implements Sink<String> {
    @Override
    public SinkWriter<String> createWriter(WriterInitContext context) {
      return new SinkWriter<>() {
        @Override
        public void write(String element, Context context) {
          OUTPUT.add(element);
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
      };
    }
  }
}
