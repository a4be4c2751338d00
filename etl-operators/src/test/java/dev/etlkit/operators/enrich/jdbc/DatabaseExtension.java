package dev.etlkit.operators.enrich.jdbc;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a {@link TestDatabase} before a test class and stops it after: {@code @RegisterExtension
 * static final DatabaseExtension DATABASE = new DatabaseExtension();}.
 */
final class DatabaseExtension implements BeforeAllCallback, AfterAllCallback {
  private TestDatabase db;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    db = TestDatabase.start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (db != null) {
      db.close();
    }
  }

  TestDatabase get() {
    return db;
  }
}
