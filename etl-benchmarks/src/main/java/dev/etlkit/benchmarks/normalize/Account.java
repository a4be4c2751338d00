package dev.etlkit.benchmarks.normalize;

import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * The benchmark's row: a key, a version and a payload (a key-only tombstone has no payload). A
 * record, as users would write it: Flink serializes it as a POJO.
 */
public record Account(long id, long version, @Nullable String payload) {

  static final TypeInformation<Account> TYPE = TypeInformation.of(Account.class);
}
