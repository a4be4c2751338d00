package dev.etlkit.benchmarks;

import javax.annotation.Nullable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The smallest keyed function that does one {@link StateOp} per record: what any keyed operator
 * pays at least. Emits nothing; reads count their hits so the JIT cannot drop them and tests can
 * check that preloading worked.
 *
 * <p>In loading mode every record writes its key's value (or all {@link #MAP_KEYS_PER_KEY} map
 * entries) instead, so the measured operations always find existing state.
 */
final class StateOpFunction<V> extends KeyedProcessFunction<Long, Long, Void> {
  private static final long serialVersionUID = 1L;

  static final String VALUE_STATE = "limit-value";
  static final String MAP_STATE = "limit-map";

  /** Map entries per key; each record reads or writes one of them, round-robin. */
  static final int MAP_KEYS_PER_KEY = 4;

  private static final Integer[] MAP_KEYS = {0, 1, 2, 3};

  private final StateOp op;
  private final TypeInformation<V> valueType;

  /** Values written round-robin; its length is a power of two. */
  private final V[] values;

  @Nullable private final StateTtlConfig ttl;

  private transient ValueState<V> valueState;
  private transient MapState<Integer, V> mapState;
  private transient boolean loading;
  private transient long hits;
  private transient int next;

  StateOpFunction(
      StateOp op, TypeInformation<V> valueType, V[] values, @Nullable StateTtlConfig ttl) {
    if (Integer.bitCount(values.length) != 1) {
      throw new IllegalArgumentException(
          "values length must be a power of two, was " + values.length);
    }
    this.op = op;
    this.valueType = valueType;
    this.values = values;
    this.ttl = ttl;
  }

  @Override
  public void open(OpenContext openContext) {
    if (op.usesMapState()) {
      MapStateDescriptor<Integer, V> descriptor =
          new MapStateDescriptor<>(MAP_STATE, Types.INT, valueType);
      if (ttl != null) {
        descriptor.enableTimeToLive(ttl);
      }
      mapState = getRuntimeContext().getMapState(descriptor);
    } else {
      ValueStateDescriptor<V> descriptor = new ValueStateDescriptor<>(VALUE_STATE, valueType);
      if (ttl != null) {
        descriptor.enableTimeToLive(ttl);
      }
      valueState = getRuntimeContext().getState(descriptor);
    }
  }

  /** In loading mode each record writes its key's state instead of doing the measured op. */
  void setLoading(boolean loading) {
    this.loading = loading;
  }

  /** Reads that found a value since the start. */
  long hits() {
    return hits;
  }

  @Override
  public void processElement(Long key, Context ctx, Collector<Void> out) throws Exception {
    if (loading) {
      load();
      return;
    }
    int n = next++;
    switch (op) {
      case VALUE_GET:
        if (valueState.value() != null) {
          hits++;
        }
        break;
      case VALUE_PUT:
        valueState.update(values[n & (values.length - 1)]);
        break;
      case VALUE_GET_PUT:
        if (valueState.value() != null) {
          hits++;
        }
        valueState.update(values[n & (values.length - 1)]);
        break;
      case MAP_PUT:
        mapState.put(MAP_KEYS[n & (MAP_KEYS_PER_KEY - 1)], values[n & (values.length - 1)]);
        break;
      case MAP_GET:
        if (mapState.get(MAP_KEYS[n & (MAP_KEYS_PER_KEY - 1)]) != null) {
          hits++;
        }
        break;
      default:
        throw new IllegalStateException("Unknown op " + op);
    }
  }

  private void load() throws Exception {
    int n = next++;
    if (op.usesMapState()) {
      for (Integer mapKey : MAP_KEYS) {
        mapState.put(mapKey, values[n & (values.length - 1)]);
      }
    } else {
      valueState.update(values[n & (values.length - 1)]);
    }
  }
}
