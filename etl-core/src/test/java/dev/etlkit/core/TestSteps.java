package dev.etlkit.core;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** Small user-written steps, as a team would write them, used by the core tests. */
final class TestSteps {
  private TestSteps() {}

  // tag::custom-step[]
  /** A stateless custom step: it does not name its operator, the pipeline derives the uid. */
  static final class UpperCase implements EtlStep<String, String> {
    private final String name;

    UpperCase(String name) {
      this.name = name;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public DataStream<String> expand(DataStream<String> input, StepContext context) {
      return input.map(String::toUpperCase).returns(Types.STRING);
    }
  }

  // end::custom-step[]

  // tag::stateful-step[]
  /** A stateful custom step: counts records per key, with TTL and a declared state. */
  static final class CountPerKey implements EtlStep<String, String> {
    static final String STATE_NAME = "count";

    @Nullable private final Duration ttl;

    CountPerKey(@Nullable Duration ttl) {
      this.ttl = ttl;
    }

    CountPerKey withStateTtl(Duration stateTtl) {
      return new CountPerKey(StateTtls.requireValidTtlOrZero(stateTtl, "stateTtl"));
    }

    @Override
    public String name() {
      return "count-per-key";
    }

    @Override
    public DataStream<String> expand(DataStream<String> input, StepContext context) {
      Duration resolvedTtl = context.stateTtl(ttl).orElse(null);
      KeyedStream<String, String> keyed = input.keyBy(new FirstWord(), Types.STRING);
      context.declareState(
          keyed.getKeyType(),
          StateDeclaration.value(STATE_NAME, Types.LONG)
              .withTtl(resolvedTtl)
              .withGrowth("one long per key"));
      return context.named(keyed.process(new CountFunction<>(resolvedTtl), Types.STRING));
    }
  }

  static final class FirstWord implements KeySelector<String, String> {
    @Override
    public String getKey(String value) {
      int space = value.indexOf(' ');
      return space < 0 ? value : value.substring(0, space);
    }
  }

  /** Emits {@code "<key>=<count>"}; with a TTL an expired key starts again at 1. */
  static final class CountFunction<K> extends KeyedProcessFunction<K, String, String> {
    @Nullable private final Duration ttl;
    private transient ValueState<Long> count;

    CountFunction(@Nullable Duration ttl) {
      this.ttl = ttl;
    }

    @Override
    public void open(OpenContext openContext) {
      ValueStateDescriptor<Long> descriptor =
          new ValueStateDescriptor<>(CountPerKey.STATE_NAME, Types.LONG);
      if (ttl != null) {
        descriptor.enableTimeToLive(StateTtls.config(ttl));
      }
      count = getRuntimeContext().getState(descriptor);
    }

    @Override
    public void processElement(String value, Context ctx, Collector<String> out) throws Exception {
      Long current = count.value();
      long next = current == null ? 1 : current + 1;
      count.update(next);
      out.collect(ctx.getCurrentKey() + "=" + next);
    }
  }

  // end::stateful-step[]

  // tag::split-step[]
  /** A custom step with two outputs: even and odd numbers; text that is no number is rejected. */
  static final class EvenOdd implements SplitStep<String, Integer> {
    static final OutputTag<Integer> EVEN = new OutputTag<>("even", Types.INT);
    static final OutputTag<Integer> ODD = new OutputTag<>("odd", Types.INT);

    @Override
    public String name() {
      return "even-odd";
    }

    @Override
    public Map<String, DataStream<Integer>> expand(DataStream<String> input, StepContext context) {
      SingleOutputStreamOperator<Integer> split =
          context.named(input.process(new EvenOddFunction(context.errorHandler(null)), Types.INT));
      context.addDeadLettersOf(split);
      Map<String, DataStream<Integer>> outputs = new LinkedHashMap<>();
      outputs.put("even", split.getSideOutput(EVEN));
      outputs.put("odd", split.getSideOutput(ODD));
      return outputs;
    }
  }

  static final class EvenOddFunction extends ProcessFunction<String, Integer> {
    private final ErrorHandler errors;
    private transient StepMetrics metrics;

    EvenOddFunction(ErrorHandler errors) {
      this.errors = errors;
    }

    @Override
    public void open(OpenContext openContext) {
      metrics = StepMetrics.register(getRuntimeContext(), errors.step());
      errors.open(metrics);
    }

    @Override
    public void processElement(String value, Context ctx, Collector<Integer> out) {
      metrics.in();
      int n;
      try {
        n = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        ctx.output(
            DeadLetter.OUTPUT_TAG,
            errors.reject(
                e, value, ctx.timestamp(), null, ctx.timerService().currentProcessingTime()));
        return;
      }
      ctx.output(n % 2 == 0 ? EvenOdd.EVEN : EvenOdd.ODD, n);
      metrics.out();
    }
  }
  // end::split-step[]
}
