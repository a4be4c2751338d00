package dev.etlkit.operators.normalize;

import dev.etlkit.core.Change;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.StateDeclaration;
import dev.etlkit.core.StateTtls;
import dev.etlkit.core.StepContext;
import dev.etlkit.core.internal.Names;
import dev.etlkit.core.internal.ProcessOperatorTimers;
import dev.etlkit.core.internal.ValueEquality;
import dev.etlkit.operators.internal.ChangeKeySelector;
import dev.etlkit.operators.internal.FingerprintKey;
import dev.etlkit.operators.internal.KeyCheck;
import dev.etlkit.operators.normalize.internal.ChangelogCheckFunction;
import dev.etlkit.operators.normalize.internal.ChangelogCheckOperator;
import java.time.Duration;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * A step that checks a changelog's contract as it flows: valid records pass unchanged, in order (in
 * batch mode, records of a key that share a timestamp in an order the rules accept: see below);
 * every record that breaks a rule becomes a dead letter ({@link ChangelogViolationException}, per
 * the step's error policy: {@code ErrorPolicy.failJob()} makes it an assertion in tests). Create it
 * with {@link #validate}; immutable, every {@code withX} returns a copy.
 *
 * <p>Rules, per key in arrival order (a rejected record does not count as seen downstream; in batch
 * mode, see below):
 *
 * <ol>
 *   <li>after an {@code UPDATE_BEFORE}, the key's next record must be its {@code UPDATE_AFTER};
 *   <li>{@code INSERT} needs a key that is not live ("duplicate INSERT" otherwise);
 *   <li>{@code UPDATE_BEFORE} and {@code DELETE} need a live key;
 *   <li>with {@link #withFullChangelog()}: an {@code UPDATE_AFTER} of a live key needs an {@code
 *       UPDATE_BEFORE} before it, and {@code UPDATE_BEFORE} and {@code DELETE} must carry the live
 *       row (compared by 62 bits of a hash of the rows' serialized forms, SipHash-1-3 under a
 *       secret key the step draws when the job graph is built and keeps in operator state, so
 *       nobody can craft a retraction of another row that passes), as retracting consumers need.
 * </ol>
 *
 * <p>An {@code UPDATE_AFTER} of a key that is not live is an upsert and always valid. A pending
 * {@code UPDATE_BEFORE} at the end of the input is not reported (there is no next record).
 *
 * <p><b>Batch mode</b> ({@code RuntimeExecutionMode.BATCH} with Flink's sorted inputs, its
 * default): a key's records come sorted by timestamp, and those that share one (an update's {@code
 * -U} and {@code +U}, say) in no defined order, so the check judges them by the order of
 * timestamps. It holds a key's records of one timestamp (those without a timestamp form one group
 * per key) until the timestamp or the key changes or the input ends, and checks them and passes
 * them on, each with its own timestamp, in an order in which every one passes the rules from the
 * key's status before them: preferably one that leaves no {@code -U} waiting for its {@code +U},
 * and the order they came in where that one does. Where no order passes, it checks them in the
 * order they came, so real violations are reported with the same reasons. Groups of up to 10
 * records are searched; a larger one is checked in the order it came (the step holds at most 11
 * records). The step's state is the same in both modes. In streaming mode every record is checked
 * as it comes.
 *
 * <p><b>Sampling</b>: {@link #withSampleRate} checks a deterministic share of the keys, chosen by a
 * hash of the key, so a sampled key is checked completely and the others cost no state access.
 * <b>State</b>: one long per live key of the sample (two status bits and, for a full changelog, 62
 * bits of the live row's hash; then also the 128-bit hash key, once per subtask in operator state);
 * a delete clears it. The sample is kept in operator state too (see {@link #withSampleRate}). With
 * a state TTL a key without a valid record for the TTL or longer is forgotten (every valid record
 * restarts its clock, a violation does not), and its next retraction is reported as a retraction of
 * a key that is not live: choose a TTL longer than a row lives, or none.
 *
 * <pre>{@code
 * normalized.apply(
 *     ChangelogCheck.validate("check-customers", Customer::id, Types.STRING)
 *         .withFullChangelog()
 *         .withSampleRate(0.01));
 * }</pre>
 *
 * @param <T> row type
 * @param <K> key type
 */
@PublicEvolving
public final class ChangelogCheck<T, K> implements EtlStep<Change<T>, Change<T>> {

  /** Share of keys checked unless {@link #withSampleRate} says otherwise: all of them. */
  public static final double DEFAULT_SAMPLE_RATE = 1.0;

  /** The smallest share of keys {@link #withSampleRate} takes: 2^-53. */
  public static final double MIN_SAMPLE_RATE = 0x1p-53;

  private final String name;
  private final KeySelector<T, K> key;
  private final TypeInformation<K> keyType;
  private final boolean full;
  private final double sampleRate;
  @Nullable private final Duration stateTtl;
  @Nullable private final ErrorPolicy errorPolicy;

  private ChangelogCheck(
      String name,
      KeySelector<T, K> key,
      TypeInformation<K> keyType,
      boolean full,
      double sampleRate,
      @Nullable Duration stateTtl,
      @Nullable ErrorPolicy errorPolicy) {
    this.name = name;
    this.key = key;
    this.keyType = keyType;
    this.full = full;
    this.sampleRate = sampleRate;
    this.stateTtl = stateTtl;
    this.errorPolicy = errorPolicy;
  }

  /**
   * A step checking the rules 1 to 3 on a changelog keyed by {@code key}.
   *
   * @param name the step's name (part of its uid: keep it stable)
   * @param key the key of a row; must be deterministic. A change whose key is null or whose key
   *     selector throws becomes a dead letter, checked before the shuffle (where Flink's {@code
   *     keyBy} would fail the job), in an operator with uid {@code <pipeline>/<step>/keys}; so does
   *     a change whose row holds a Flink {@code Tuple} with a {@code null} field its serializer
   *     cannot write (the shuffle would fail)
   * @param keyType the key's Flink type; must not be a generic (Kryo) type, and where the key
   *     selector's type can be inferred, must be that type (else the step is refused when applied)
   */
  public static <T, K> ChangelogCheck<T, K> validate(
      String name, KeySelector<T, K> key, TypeInformation<K> keyType) {
    Names.requireValid(name, "step name");
    Objects.requireNonNull(key, "key");
    UpsertNormalize.requireNotGeneric(keyType, "keyType");
    return new ChangelogCheck<>(name, key, keyType, false, DEFAULT_SAMPLE_RATE, null, null);
  }

  /**
   * Also checks rule 4: the stream claims to be a full changelog (Flink's {@code
   * ChangelogMode.all()}, the output of {@link UpsertNormalize} without projected state), with
   * before-images on every update and full rows on every retraction. The retractions of a
   * normalizer {@link UpsertNormalize#withProjectedState with projected state} carry only what its
   * retraction function builds: check them without this option. "The live row" is the row as its
   * serializer writes it, not as {@code equals} compares it: a retraction equal to it but written
   * otherwise (a {@code HashMap} or {@code HashSet} field whose entries were put in another order)
   * is reported; the normalizer's retractions carry the row it kept. Added to a check restored from
   * a savepoint taken without it, the keys live at the restore have no row hash: their next
   * retraction is not compared with the live row.
   */
  public ChangelogCheck<T, K> withFullChangelog() {
    return new ChangelogCheck<>(name, key, keyType, true, sampleRate, stateTtl, errorPolicy);
  }

  /**
   * Checks only this share of the keys, chosen deterministically by key hash (default {@value
   * #DEFAULT_SAMPLE_RATE}). The sample is kept in the step's state: restored with a higher rate,
   * the step goes on checking the keys of the sample its state was kept for (the others have no
   * status, or a stale one), and a lower rate narrows the sample for good. To check more keys, give
   * the step a new name.
   *
   * @param rate in (0, 1], at least {@value #MIN_SAMPLE_RATE} (2^-53, the resolution of the key
   *     hash the sample is drawn by: a smaller rate would check no key)
   */
  public ChangelogCheck<T, K> withSampleRate(double rate) {
    if (!(rate > 0.0 && rate <= 1.0)) {
      throw new IllegalArgumentException("sampleRate must be in (0, 1], was " + rate);
    }
    if (rate < MIN_SAMPLE_RATE) {
      throw new IllegalArgumentException(
          "sampleRate must be at least 2^-53 ("
              + MIN_SAMPLE_RATE
              + "): a smaller one checks no key, was "
              + rate);
    }
    return new ChangelogCheck<>(name, key, keyType, full, rate, stateTtl, errorPolicy);
  }

  /**
   * Overrides the pipeline's default state TTL for this step (see the class comment).
   *
   * <p>{@link Duration#ZERO} means no TTL for this step, whatever the pipeline's default (as the
   * value 0 of Flink SQL's {@code STATE_TTL} hint does): its state is kept until the step clears
   * it. A second call replaces the TTL; {@link #withPipelineStateTtl()} gives the pipeline's
   * default back.
   *
   * @throws IllegalArgumentException if negative, or positive but not a whole number of
   *     milliseconds, at least one
   */
  public ChangelogCheck<T, K> withStateTtl(Duration ttl) {
    return new ChangelogCheck<>(
        name,
        key,
        keyType,
        full,
        sampleRate,
        StateTtls.requireValidTtlOrZero(ttl, "stateTtl"),
        errorPolicy);
  }

  /**
   * Uses the pipeline's default state TTL ({@code EtlPipeline.defaultStateTtl}, else none), the
   * default, undoing {@link #withStateTtl} (also {@code withStateTtl(Duration.ZERO)}) on a step
   * derived from one that has it: the step is then the step that never had a TTL of its own.
   */
  public ChangelogCheck<T, K> withPipelineStateTtl() {
    return new ChangelogCheck<>(name, key, keyType, full, sampleRate, null, errorPolicy);
  }

  /**
   * Overrides the pipeline's error policy for this step's violations. A second call replaces the
   * policy; {@link #withPipelineErrorPolicy()} gives the pipeline's default back.
   */
  public ChangelogCheck<T, K> withErrorPolicy(ErrorPolicy policy) {
    return new ChangelogCheck<>(
        name, key, keyType, full, sampleRate, stateTtl, Objects.requireNonNull(policy, "policy"));
  }

  /**
   * Uses the pipeline's default error policy ({@code EtlPipeline.defaultErrorPolicy}, else dead
   * letters), the default, undoing {@link #withErrorPolicy} on a step derived from one that has it:
   * the step is then the step that never had a policy of its own.
   */
  public ChangelogCheck<T, K> withPipelineErrorPolicy() {
    return new ChangelogCheck<>(name, key, keyType, full, sampleRate, stateTtl, null);
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the input is not a {@code Change} stream with a real value
   *     type, or the key selector's type can be inferred and is not the key type
   */
  @Override
  public DataStream<Change<T>> expand(DataStream<Change<T>> input, StepContext context) {
    TypeInformation<T> valueType = UpsertNormalize.valueTypeOf(input.getType(), name);
    UpsertNormalize.requireKeyTypeOf(key, keyType, valueType, "changelog check '" + name + "'");
    ValueEquality.requireKeyEquality(keyType, "changelog check '" + name + "'");
    Duration ttl = context.stateTtl(stateTtl).orElse(null);
    ErrorHandler errors = context.errorHandler(errorPolicy);
    // the key of the row fingerprints, drawn once per job graph (a restore keeps the stored one)
    ChangelogCheckFunction<K, T> function =
        createFunction(valueType, ttl, errors, FingerprintKey.random());
    // Flink's keyBy fails the job on a null key or a throwing key selector: check the keys first
    // (every kind is checked here, -U included)
    SingleOutputStreamOperator<Change<T>> keysChecked =
        context.named(
            input
                .process(
                    new KeyCheck<>(
                        changeKey(),
                        keyType,
                        input.getType(),
                        false,
                        errors,
                        ChangelogCheck::nullKey,
                        true),
                    input.getType())
                .setParallelism(input.getParallelism()),
            UpsertNormalize.KEY_CHECK);
    KeyedStream<Change<T>, K> keyed = keysChecked.keyBy(changeKey(), keyType);
    for (StateDeclaration state : function.stateDeclarations()) {
      context.declareState(keyType, state);
    }
    context.declareState(keyType, ProcessOperatorTimers.unused());
    SingleOutputStreamOperator<Change<T>> checked =
        context.named(
            // keyBy(...).process(function) as before, in an operator that orders batch mode's
            // records of equal timestamps
            keyed.transform(
                "KeyedProcess",
                input.getType(),
                new ChangelogCheckOperator<>(input.getExecutionEnvironment().clean(function))));
    context.addDeadLettersOf(keysChecked);
    context.addDeadLettersOf(checked);
    return checked;
  }

  /**
   * The error of a change whose key is null or has a null field (no field values in the message).
   */
  static IllegalArgumentException nullKey(@Nullable String field) {
    return new IllegalArgumentException(KeyCheck.nullKeyMessage("the changelog check key", field));
  }

  /**
   * The step's function with the resolved TTL and error handler, fingerprinting rows under {@code
   * drawnKey} unless a restore brings the key a former run kept (also used by tests).
   */
  ChangelogCheckFunction<K, T> createFunction(
      TypeInformation<T> valueType,
      @Nullable Duration ttl,
      ErrorHandler errors,
      FingerprintKey drawnKey) {
    return new ChangelogCheckFunction<>(valueType, full, sampleRate, ttl, errors, drawnKey);
  }

  /** The key of a change: the key of its value. */
  KeySelector<Change<T>, K> changeKey() {
    return new ChangeKeySelector<>(key);
  }

  TypeInformation<K> keyType() {
    return keyType;
  }

  @Override
  public String toString() {
    return "ChangelogCheck{"
        + name
        + (full ? ", full changelog" : "")
        + (sampleRate < 1.0 ? ", sampleRate=" + sampleRate : "")
        + (stateTtl != null ? ", stateTtl=" + (stateTtl.isZero() ? "none" : stateTtl) : "")
        + (errorPolicy != null ? ", errorPolicy=" + errorPolicy : "")
        + "}";
  }
}
