package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cache on the engine's manual clock (which is also Caffeine's ticker): expiry, miss caching,
 * refresh-ahead, stale on error, and single-flight counted by the fake lookup.
 */
class LookupCacheTest {

  private static final Duration TTL = Duration.ofMinutes(10);

  private static final LookupCache REFRESHING =
      LookupCache.maxEntries(100)
          .withExpireAfterWrite(TTL)
          .withRefreshAfterWrite(Duration.ofMinutes(8));

  private static final LookupCache STALE_ON_ERROR =
      LookupCache.maxEntries(100).withExpireAfterWrite(TTL).withStaleOnError(Duration.ofHours(1));

  @Test
  void hit_afterALoad_isAnsweredFromTheCacheWithoutACall() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    EngineFixture f = cached(lookup, LookupCache.maxEntries(100));

    assertThat(f.request("o1", "c-1").answer()).isEqualTo("Anna/LOADED");
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT");

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(f.count(LookupMetrics.CACHE_HITS)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.CACHE_MISSES)).isEqualTo(1);
  }

  @Test
  void expireAfterWrite_entryOlderThanTheTtl_isLoadedAgain() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    EngineFixture f = cached(lookup, LookupCache.maxEntries(100).withExpireAfterWrite(TTL));

    f.request("o1", "c-1");
    f.advanceMillis(TTL.toMillis() - 1);
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT");
    lookup.put("c-1", "Anna B.");
    f.advanceMillis(1);
    assertThat(f.request("o3", "c-1").answer()).isEqualTo("Anna B./LOADED");

    assertThat(lookup.callCount()).isEqualTo(2);
  }

  @Test
  void expireAfterWrite_readsDoNotExtendIt() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    EngineFixture f = cached(lookup, LookupCache.maxEntries(100).withExpireAfterWrite(TTL));

    f.request("o1", "c-1");
    for (int i = 0; i < 9; i++) {
      f.advanceMillis(60_000);
      f.request("read", "c-1");
    }
    f.advanceMillis(60_000);
    f.request("o2", "c-1");

    assertThat(lookup.callCount()).isEqualTo(2);
  }

  @Test
  void expireAfterAccess_readEntriesStay_idleEntriesGo() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("hot", "H").put("idle", "I");
    EngineFixture f =
        cached(lookup, LookupCache.maxEntries(100).withExpireAfterAccess(Duration.ofMinutes(1)));

    f.request("o1", "hot");
    f.request("o2", "idle");
    for (int i = 0; i < 5; i++) {
      f.advanceMillis(50_000);
      assertThat(f.request("read", "hot").answer()).isEqualTo("H/HIT");
    }

    assertThat(f.request("o3", "idle").answer()).isEqualTo("I/LOADED");
    assertThat(lookup.callsFor("hot")).isEqualTo(1);
    assertThat(lookup.callsFor("idle")).isEqualTo(2);
  }

  @Test
  void missCaching_on_missIsAnsweredFromTheCache() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable();
    EngineFixture f = cached(lookup, LookupCache.maxEntries(100));

    assertThat(f.request("o1", "c-404").answer()).isEqualTo("null/MISS");
    assertThat(f.request("o2", "c-404").answer()).isEqualTo("null/MISS");

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(f.count(LookupMetrics.CACHE_HITS)).isEqualTo(1);
  }

  @Test
  void probe_cachedMissAndValue_withPlainAndAgedEntries_giveNullAndTheValue() {
    // plain settings keep the value itself (or a marker for a miss) as the entry; refresh-ahead
    // and stale on error keep it with its load time: probe answers alike
    for (LookupCache cache : List.of(LookupCache.maxEntries(100), REFRESHING, STALE_ON_ERROR)) {
      FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
      EngineFixture f = cached(lookup, cache);
      assertThat(f.engine.probe("c-1")).as("%s", cache).isSameAs(LookupEngine.NO_ENTRY);

      f.request("o1", "c-1");
      f.request("o2", "c-404");

      assertThat(f.engine.probe("c-1")).as("%s", cache).isEqualTo("Anna");
      assertThat(f.engine.probe("c-404")).as("%s", cache).isNull();
      assertThat(f.engine.probe("c-2")).as("%s", cache).isSameAs(LookupEngine.NO_ENTRY);
      assertThat(lookup.callCount()).isEqualTo(2);
    }
  }

  @Test
  void expireAfterAccess_withExpireAfterWrite_readEntryGoesAtItsWriteExpiry() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("hot", "H");
    EngineFixture f =
        cached(
            lookup,
            LookupCache.maxEntries(100)
                .withExpireAfterWrite(TTL)
                .withExpireAfterAccess(Duration.ofMinutes(3)));

    f.request("o1", "hot");
    for (int i = 0; i < 9; i++) { // read every minute: access expiry never comes
      f.advanceMillis(60_000);
      assertThat(f.request("read", "hot").answer()).isEqualTo("H/HIT");
    }
    f.advanceMillis(60_000); // ten minutes after the write

    assertThat(f.request("o2", "hot").answer()).isEqualTo("H/LOADED");
    assertThat(lookup.callsFor("hot")).isEqualTo(2);
  }

  @Test
  void missCaching_off_missIsLookedUpEveryTime_andAValueReplacingItIsFound() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable();
    EngineFixture f = cached(lookup, LookupCache.maxEntries(100).withMissCaching(false));

    f.request("o1", "c-new");
    lookup.put("c-new", "Bea");
    assertThat(f.request("o2", "c-new").answer()).isEqualTo("Bea/LOADED");
    assertThat(f.request("o3", "c-new").answer()).isEqualTo("Bea/HIT");

    assertThat(lookup.callCount()).isEqualTo(2);
  }

  @Test
  void missCaching_off_keyDeletedAtTheSource_isDroppedFromTheCache() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    EngineFixture f =
        cached(
            lookup, LookupCache.maxEntries(100).withExpireAfterWrite(TTL).withMissCaching(false));

    f.request("o1", "c-1");
    lookup.remove("c-1");
    f.advanceMillis(TTL.toMillis());
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("null/MISS");
    assertThat(f.engine.probe("c-1")).isSameAs(LookupEngine.NO_ENTRY);
  }

  @Test
  void maxEntries_manyKeys_cacheStaysBounded() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable();
    for (int i = 0; i < 2_000; i++) {
      lookup.put("c-" + i, "v" + i);
    }
    EngineFixture f = cached(lookup, LookupCache.maxEntries(100));

    for (int i = 0; i < 2_000; i++) {
      f.request("o" + i, "c-" + i);
    }

    assertThat(f.engine.cacheSize()).isLessThanOrEqualTo(100);
  }

  @Test
  void refreshAhead_entryDueForRefresh_isServedAndReloadedInTheBackground() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = cached(lookup, REFRESHING);

    loadC1(f, lookup);
    f.advanceMillis(Duration.ofMinutes(8).toMillis());
    lookup.put("c-1", "Anna B.");

    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT"); // starts the refresh
    assertThat(f.request("o3", "c-1").answer()).isEqualTo("Anna/HIT"); // refresh in flight
    assertThat(lookup.callCount()).isEqualTo(2);
    lookup.call(1).replyFromTable();
    assertThat(f.request("o4", "c-1").answer()).isEqualTo("Anna B./HIT");

    assertThat(f.count(LookupMetrics.REFRESHES)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.CACHE_HITS)).isEqualTo(3);
  }

  @Test
  void refreshAhead_failedRefresh_keepsTheEntryUntilItExpires() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = cached(lookup, REFRESHING);

    loadC1(f, lookup);
    f.advanceMillis(Duration.ofMinutes(9).toMillis());
    f.request("o2", "c-1");
    lookup.call(1).fail(new IOException("down"));

    assertThat(f.request("o3", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).as("no refresh before a retry's backoff (≤ 50 ms)").isEqualTo(2);
    f.advanceMillis(50);
    assertThat(f.request("o3b", "c-1").answer()).isEqualTo("Anna/HIT"); // refreshes again
    assertThat(lookup.callCount()).isEqualTo(3);
    lookup.call(2).fail(new IOException("down"));
    f.advanceMillis(Duration.ofMinutes(1).toMillis() - 50);
    RecordingWaiter expired = f.request("o4", "c-1");
    assertThat(expired.answer()).isNull(); // a load now
    lookup.call(3).fail(new IOException("down"));
    assertThat(expired.answer()).isEqualTo("dead-letter/IOException");
  }

  @Test
  void refreshAhead_failedRefresh_isRetriedByTheRetryPolicy_withNoRecordWaitingForIt() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.cache = REFRESHING;
              s.retry =
                  LookupRetry.attempts(2)
                      .withBackoff(Duration.ofSeconds(10), Duration.ofSeconds(10))
                      .withJitter(0.0);
            });

    loadC1(f, lookup);
    f.advanceMillis(Duration.ofMinutes(8).toMillis());
    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT"); // starts the refresh
    lookup.call(1).fail(new IOException("down"));
    f.advanceMillis(9_999);
    assertThat(lookup.callCount()).isEqualTo(2);
    f.advanceMillis(1);
    assertThat(lookup.callCount()).isEqualTo(3); // the retry, though no record waits for it
    lookup.put("c-1", "Anna B.");
    lookup.call(2).replyFromTable();

    assertThat(f.request("o3", "c-1").answer()).isEqualTo("Anna B./HIT");
    assertThat(f.count(LookupMetrics.REFRESHES)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.RETRIES)).isEqualTo(1);
  }

  @Test
  void refreshAhead_switchedOffOnADerivedCache_entryIsServedUntilItExpiresWithoutARefresh() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = cached(lookup, REFRESHING.withoutRefreshAfterWrite());

    loadC1(f, lookup);
    f.advanceMillis(Duration.ofMinutes(8).toMillis());
    lookup.put("c-1", "Anna B.");

    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(f.count(LookupMetrics.REFRESHES)).isZero();
    f.advanceMillis(Duration.ofMinutes(2).toMillis());
    RecordingWaiter expired = f.request("o3", "c-1");
    lookup.call(1).replyFromTable();
    assertThat(expired.answer()).isEqualTo("Anna B./LOADED");
  }

  @Test
  void staleOnError_switchedOffOnADerivedCache_expiredEntryAndFailingLoad_getsTheFallback() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = cached(lookup, STALE_ON_ERROR.withoutStaleOnError());

    loadC1(f, lookup);
    f.advanceMillis(TTL.toMillis());
    RecordingWaiter order = f.request("o2", "c-1");
    lookup.call(1).fail(new IOException("down"));

    assertThat(order.answer()).isEqualTo("dead-letter/IOException");
    assertThat(f.count(LookupMetrics.STALE_SERVED)).isZero();
  }

  @Test
  void staleOnError_expiredEntryAndFailingLoad_servesTheStaleValue() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = cached(lookup, STALE_ON_ERROR);

    loadC1(f, lookup);
    f.advanceMillis(TTL.toMillis());
    RecordingWaiter order = f.request("o2", "c-1");
    lookup.call(1).fail(new IOException("down"));

    assertThat(order.answer()).isEqualTo("Anna/STALE");
    assertThat(f.count(LookupMetrics.STALE_SERVED)).isEqualTo(1);
    assertThat(f.count(LookupMetrics.FALLBACKS)).isZero();
  }

  @Test
  void staleOnError_expiredEntryAndSuccessfulLoad_isLoaded() {
    FakeLookup lookup = FakeLookup.manual().answeringFromTable().put("c-1", "Anna");
    EngineFixture f = cached(lookup, STALE_ON_ERROR);

    f.request("o1", "c-1");
    f.advanceMillis(TTL.toMillis());
    lookup.put("c-1", "Anna B.");

    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna B./LOADED");
  }

  @Test
  void staleOnError_stepTimeout_servesTheStaleValue() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = cached(lookup, STALE_ON_ERROR);

    loadC1(f, lookup);
    f.advanceMillis(TTL.toMillis());
    RecordingWaiter order = f.request("o2", "c-1");
    f.stepTimeout(order);

    assertThat(order.answer()).isEqualTo("Anna/STALE");
  }

  @ParameterizedTest(name = "request {0} min past the TTL, reload fails {1} min later")
  @CsvSource({
    "60, 0", // older than the grace already
    "59, 1", // within the grace when found, past it when the reload fails (lookup reference)
  })
  void staleOnError_entryPastTheGraceWhenTheReloadFails_getsTheFallback(
      long requestAfter, long failAfter) {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = staleOnErrorPassingThrough(lookup, STALE_ON_ERROR);

    loadC1(f, lookup);
    f.advanceMillis(TTL.plus(Duration.ofMinutes(requestAfter)).toMillis());
    RecordingWaiter order = f.request("o2", "c-1");
    f.advanceMillis(Duration.ofMinutes(failAfter).toMillis());
    lookup.call(1).fail(new IOException("down"));

    assertThat(order.answer()).isEqualTo("null/FAILED");
    assertThat(f.count(LookupMetrics.STALE_SERVED)).isZero();
    assertThat(f.count(LookupMetrics.FALLBACKS)).isEqualTo(1);
  }

  @ParameterizedTest(name = "reload fails {0} min after the record found the stale entry")
  @CsvSource({"1, Anna/STALE", "2, null/FAILED"})
  void staleOnError_withAccessExpiry_entryDroppedForIdlenessWhileItsReloadRuns_isNotServed(
      long failAfter, String answer) {
    // the record finding the stale entry read it (at 10 min); idle for 2 min after that, it is
    // dropped, and not served (lookup reference, seeds 175 and 1358 under -Psoak)
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f =
        staleOnErrorPassingThrough(
            lookup, STALE_ON_ERROR.withExpireAfterAccess(Duration.ofMinutes(2)));

    loadC1(f, lookup);
    for (int i = 0; i < 6; i++) { // read every 90 s: never idle for 2 min
      f.advanceMillis(90_000);
      assertThat(f.request("read", "c-1").answer()).isEqualTo("Anna/HIT");
    }
    f.advanceMillis(Duration.ofMinutes(1).toMillis());
    RecordingWaiter order = f.request("o2", "c-1");
    f.advanceMillis(Duration.ofMinutes(failAfter).toMillis());
    lookup.call(1).fail(new IOException("down"));

    assertThat(order.answer()).isEqualTo(answer);
  }

  @Test
  void staleOnError_entryPassingTheGraceBeforeTheStepTimeout_getsTheFallback() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = staleOnErrorPassingThrough(lookup, STALE_ON_ERROR);

    loadC1(f, lookup);
    f.advanceMillis(TTL.plus(Duration.ofMinutes(59)).toMillis());
    RecordingWaiter order = f.request("o2", "c-1");
    f.advanceMillis(Duration.ofMinutes(1).minusMillis(1).toMillis());
    RecordingWaiter inTime = f.request("o3", "c-1");
    f.stepTimeout(inTime);
    assertThat(inTime.answer()).isEqualTo("Anna/STALE");
    f.advanceMillis(1);
    f.stepTimeout(order);

    assertThat(order.answer()).isEqualTo("null/TIMED_OUT");
  }

  /** {@code cache} with the pass-through fallback and a step timeout of 2 h. */
  private static EngineFixture staleOnErrorPassingThrough(FakeLookup lookup, LookupCache cache) {
    return new EngineFixture(
        lookup,
        s -> {
          s.cache = cache;
          s.fallback = LookupFallback.passThrough();
          s.timeout = Duration.ofHours(2);
        });
  }

  @Test
  void singleFlight_manyConcurrentMissesOfOneKey_makeOneCall() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f = cached(lookup, LookupCache.maxEntries(100).withExpireAfterWrite(TTL));

    List<RecordingWaiter> orders = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      orders.add(f.request("o" + i, "c-1"));
    }
    lookup.call(0).replyFromTable();
    orders.add(f.request("o10", "c-1"));

    assertThat(lookup.callCount()).isEqualTo(1);
    assertThat(orders).extracting(RecordingWaiter::answer).containsOnly("Anna/LOADED", "Anna/HIT");
    assertThat(orders.get(10).answer()).isEqualTo("Anna/HIT");
    assertThat(f.count(LookupMetrics.SHARED_LOADS)).isEqualTo(9);
  }

  @Test
  void singleFlight_withRetries_recordsOfAnExpiredKeyShareTheRetriedLoad() {
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.cache = LookupCache.maxEntries(100).withExpireAfterWrite(TTL);
              s.retry = LookupRetry.attempts(3);
            });

    loadC1(f, lookup);
    f.advanceMillis(TTL.toMillis());
    RecordingWaiter a = f.request("o2", "c-1");
    lookup.call(1).fail(new IOException("down"));
    RecordingWaiter b = f.request("o3", "c-1");
    f.advanceMillis(5_000);
    lookup.call(2).replyFromTable();

    assertThat(lookup.callCount()).isEqualTo(3);
    assertThat(a.answer()).isEqualTo("Anna/LOADED");
    assertThat(b.answer()).isEqualTo("Anna/LOADED");
  }

  @Test
  void longestDurationsAndSize_entryStaysFresh() {
    Duration longest = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999); // beyond long nanoseconds
    FakeLookup lookup = FakeLookup.manual().put("c-1", "Anna");
    EngineFixture f =
        cached(
            lookup,
            LookupCache.maxEntries(Long.MAX_VALUE)
                .withExpireAfterWrite(longest)
                .withExpireAfterAccess(longest)
                .withRefreshAfterWrite(longest.minusNanos(1))
                .withStaleOnError(longest));

    loadC1(f, lookup);
    f.advanceMillis(Duration.ofDays(100 * 365).toMillis());

    assertThat(f.request("o2", "c-1").answer()).isEqualTo("Anna/HIT");
    assertThat(lookup.callCount()).isEqualTo(1);
  }

  /** Loads c-1 once (the lookup's first call) so that it is cached. */
  private static void loadC1(EngineFixture f, FakeLookup lookup) {
    f.request("o1", "c-1");
    lookup.call(0).replyFromTable();
  }

  private static EngineFixture cached(FakeLookup lookup, LookupCache cache) {
    return new EngineFixture(lookup, s -> s.cache = cache);
  }
}
