package dev.etlkit.testkit;

import dev.etlkit.core.Change;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The kit's sample stateful operator: per key, the last change (ValueState of {@code
 * Change<String>}, stamped with the record's timestamp), a counter (ValueState) and counts per row
 * kind (MapState). Stale records (timestamp behind the key's last change) go to the {@link #STALE}
 * side output. Each key also gets an event-time timer 100 ms after each record and a
 * processing-time timer 1 s after its first record, so restores carry timers too. Its state layout
 * is frozen by the committed snapshot files (format version 1).
 *
 * <p>Staleness is decided from state, not from the watermark: a restored operator has seen no
 * watermark yet, so watermark-based decisions differ after a restore (see {@code
 * CutPointCheckTest}).
 */
final class SampleCounter extends KeyedProcessFunction<String, Change<String>, String> {

  static final TypeInformation<Change<String>> CHANGE = Change.typeInfo(Types.STRING);
  static final OutputTag<Change<String>> STALE = new OutputTag<>("stale", CHANGE);

  private static final String LAST_STATE = "last";
  private static final String COUNT_STATE = "count";
  private static final String KINDS_STATE = "kinds";

  private transient ValueState<Change<String>> last;
  private transient ValueState<Long> count;
  private transient MapState<String, Long> kinds;

  /** The key of a change of a generated string row: {@code k1} for {@code k1#v2}. */
  static String keyOf(Change<String> change) {
    return ChangelogGenerator.stringKey(change.value());
  }

  /** Harnesses for this operator on the default backend. */
  static KeyedHarness<String, Change<String>, String> harness() {
    return KeyedHarness.forFunction(
        SampleCounter::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
  }

  @Override
  public void open(OpenContext openContext) {
    last = getRuntimeContext().getState(new ValueStateDescriptor<>(LAST_STATE, CHANGE));
    count = getRuntimeContext().getState(new ValueStateDescriptor<>(COUNT_STATE, Types.LONG));
    kinds =
        getRuntimeContext()
            .getMapState(new MapStateDescriptor<>(KINDS_STATE, Types.STRING, Types.LONG));
  }

  @Override
  public void processElement(Change<String> change, Context ctx, Collector<String> out)
      throws Exception {
    Long timestamp = ctx.timestamp();
    Change<String> previous = last.value();
    if (timestamp != null
        && previous != null
        && previous.eventTime() != null
        && timestamp < previous.eventTime()) {
      ctx.output(STALE, change);
      return;
    }
    long n = count.value() == null ? 1 : count.value() + 1;
    if (n == 1) {
      ctx.timerService()
          .registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 1_000);
    }
    count.update(n);
    String kind = change.kind().shortString();
    Long kindCount = kinds.get(kind);
    kinds.put(kind, kindCount == null ? 1 : kindCount + 1);
    last.update(timestamp == null ? change : change.withEventTime(timestamp));
    if (timestamp != null) {
      ctx.timerService().registerEventTimeTimer(timestamp + 100);
    }
    out.collect(ctx.getCurrentKey() + " n=" + n + " last=" + change + " kinds=" + sortedKinds());
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<String> out) throws Exception {
    String domain = ctx.timeDomain() == TimeDomain.EVENT_TIME ? "event" : "processing";
    out.collect(ctx.getCurrentKey() + " " + domain + "-timer@" + timestamp + " n=" + count.value());
  }

  /** MapState iterates in a backend-specific order; sort so output is the same on all backends. */
  private Map<String, Long> sortedKinds() throws Exception {
    Map<String, Long> sorted = new TreeMap<>();
    for (Map.Entry<String, Long> e : kinds.entries()) {
      sorted.put(e.getKey(), e.getValue());
    }
    return sorted;
  }
}
