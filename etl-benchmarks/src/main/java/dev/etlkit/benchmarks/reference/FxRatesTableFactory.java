package dev.etlkit.benchmarks.reference;

import dev.etlkit.examples.FxRates;
import dev.etlkit.operators.enrich.LookupContext;
import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import javax.annotation.Nullable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.connector.source.DynamicTableSource;
import org.apache.flink.table.connector.source.LookupTableSource;
import org.apache.flink.table.connector.source.lookup.LookupFunctionProvider;
import org.apache.flink.table.connector.source.lookup.LookupOptions;
import org.apache.flink.table.connector.source.lookup.PartialCachingLookupProvider;
import org.apache.flink.table.connector.source.lookup.cache.DefaultLookupCache;
import org.apache.flink.table.connector.source.lookup.cache.LookupCache;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.factories.DynamicTableSourceFactory;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.functions.FunctionContext;
import org.apache.flink.table.functions.LookupFunction;

/**
 * The exchange-rate table of the Flink SQL job: a lookup-only table source over the reference job's
 * own {@link FxRates}, so that both jobs read the same in-memory rates. A Flink SQL job in real
 * mode does the same lookup join against a JDBC table; in this benchmark both sides look up in
 * memory. It takes the partial-cache options of Flink's lookup sources ({@code lookup.cache =
 * PARTIAL}, {@code lookup.partial-cache.*}, as the JDBC connector does), so that the SQL job caches
 * rates as the reference job's lookup step does; without them, one lookup per order. The table as
 * the SQL job declares it: {@link FlinkSqlReferenceJob#FX_RATES}.
 *
 * <p>Registered in {@code META-INF/services/org.apache.flink.table.factories.Factory}.
 */
public final class FxRatesTableFactory implements DynamicTableSourceFactory {

  /** The {@code connector} option value. */
  public static final String IDENTIFIER = "etlkit-benchmark-fx-rates";

  /** Precision and scale of the {@code eur_per_unit} column. */
  static final int RATE_PRECISION = 10;

  static final int RATE_SCALE = 4;

  @Override
  public String factoryIdentifier() {
    return IDENTIFIER;
  }

  @Override
  public Set<ConfigOption<?>> requiredOptions() {
    return Set.of();
  }

  @Override
  public Set<ConfigOption<?>> optionalOptions() {
    return Set.of(
        LookupOptions.CACHE_TYPE,
        LookupOptions.PARTIAL_CACHE_MAX_ROWS,
        LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_WRITE,
        LookupOptions.PARTIAL_CACHE_EXPIRE_AFTER_ACCESS,
        LookupOptions.PARTIAL_CACHE_CACHE_MISSING_KEY);
  }

  @Override
  public DynamicTableSource createDynamicTableSource(Context context) {
    FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
    helper.validate();
    ReadableConfig options = helper.getOptions();
    return new Source(
        options.get(LookupOptions.CACHE_TYPE) == LookupOptions.LookupCacheType.PARTIAL
            ? DefaultLookupCache.fromConfig(options)
            : null);
  }

  /**
   * Lookup only: keyed by the currency, the first column; through {@code cache} where there is one.
   */
  record Source(@Nullable LookupCache cache) implements LookupTableSource {

    @Override
    public LookupRuntimeProvider getLookupRuntimeProvider(LookupContext context) {
      int[][] keys = context.getKeys();
      if (keys.length != 1 || keys[0].length != 1 || keys[0][0] != 0) {
        throw new IllegalArgumentException("fx_rates is looked up by its first column only");
      }
      return cache == null
          ? LookupFunctionProvider.of(new RateLookup())
          : PartialCachingLookupProvider.of(new RateLookup(), cache);
    }

    @Override
    public DynamicTableSource copy() {
      return new Source(cache);
    }

    @Override
    public String asSummaryString() {
      return IDENTIFIER;
    }
  }

  /** One {@link FxRates#lookup} per call; the row {@code (currency, eur_per_unit)} or none. */
  public static final class RateLookup extends LookupFunction {

    private static final long serialVersionUID = 1L;

    private transient FxRates rates;

    @Override
    public void open(FunctionContext context) {
      rates = new FxRates();
      rates.open(new TaskContext(0, 1, context.getMetricGroup())); // parallelism 1
    }

    @Override
    public Collection<RowData> lookup(RowData keyRow) {
      StringData currency = keyRow.getString(0);
      Optional<BigDecimal> rate = rates.lookup(currency.toString()).join();
      if (rate.isEmpty()) {
        return List.of();
      }
      return List.of(
          GenericRowData.of(
              currency, DecimalData.fromBigDecimal(rate.get(), RATE_PRECISION, RATE_SCALE)));
    }
  }

  /** The lookup context of a subtask. */
  private record TaskContext(int subtaskIndex, int parallelism, MetricGroup metricGroup)
      implements LookupContext {}
}
