/*
 * test_config.c - server/config.c: defaults, flags, environment variables,
 * their precedence, --help, and clear errors for bad values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "server/config.h"

static const char *const env_names[] = {
    "AVRO_REGISTRY_LISTEN",    "AVRO_REGISTRY_PORT",     "AVRO_REGISTRY_DB",
    "AVRO_REGISTRY_LOG_LEVEL", "AVRO_REGISTRY_MAX_BODY", "AVRO_REGISTRY_THREADS",
    "AVRO_REGISTRY_UI",
};

static int clear_env(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof env_names / sizeof env_names[0]; i++)
        unsetenv(env_names[i]);
    return 0;
}

/* Loads argv (NULL-terminated, program name first); returns the outcome. */
static enum sr_err load(struct sr_config *cfg, enum sr_config_outcome *outcome,
                        struct sr_error *err, const char *const *argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    memset(err, 0, sizeof *err);
    return sr_config_load(cfg, argc, (char *const *)argv, outcome, err);
}

static void expect_failure(const char *const *argv, const char *needle)
{
    struct sr_config cfg;
    enum sr_config_outcome outcome;
    struct sr_error err;
    assert_int_equal(load(&cfg, &outcome, &err, argv), SR_ERR_BAD_REQUEST);
    if (!strstr(err.message, needle))
        fail_msg("message \"%s\" does not mention \"%s\"", err.message, needle);
}

static void test_defaults(void **state)
{
    (void)state;
    struct sr_config cfg;
    enum sr_config_outcome outcome;
    struct sr_error err;
    const char *argv[] = {"avro-registry", NULL};
    assert_int_equal(load(&cfg, &outcome, &err, argv), SR_OK);
    assert_int_equal(outcome, SR_CONFIG_RUN);
    assert_string_equal(cfg.listen, "0.0.0.0");
    assert_int_equal(cfg.port, 8081);
    assert_string_equal(cfg.db_path, "./data/registry.db");
    assert_int_equal(cfg.log_level, SR_LOG_INFO);
    assert_int_equal(cfg.max_body_bytes, 16 * 1024 * 1024);
    assert_int_equal(cfg.threads, sr_config_default_threads());
    assert_true(cfg.threads >= 1);
    assert_true(cfg.ui);
    sr_config_release(&cfg);
    sr_config_release(&cfg); /* twice is harmless */
    sr_config_release(NULL);
}

static void test_flags(void **state)
{
    (void)state;
    struct sr_config cfg;
    enum sr_config_outcome outcome;
    struct sr_error err;
    const char *argv[] = {"avro-registry",
                          "--listen",
                          "127.0.0.1",
                          "--port=9000",
                          "--db",
                          "/tmp/x.db",
                          "--log-level",
                          "DEBUG",
                          "--max-body-bytes=2m",
                          "--threads",
                          "3",
                          "--port",
                          "9001",
                          "--ui",
                          "OFF",
                          NULL};
    assert_int_equal(load(&cfg, &outcome, &err, argv), SR_OK);
    assert_string_equal(cfg.listen, "127.0.0.1");
    assert_int_equal(cfg.port, 9001); /* the last one wins */
    assert_string_equal(cfg.db_path, "/tmp/x.db");
    assert_int_equal(cfg.log_level, SR_LOG_DEBUG);
    assert_int_equal(cfg.max_body_bytes, 2 * 1024 * 1024);
    assert_int_equal(cfg.threads, 3);
    assert_false(cfg.ui);
    sr_config_release(&cfg);
}

static void test_environment_and_precedence(void **state)
{
    (void)state;
    struct sr_config cfg;
    enum sr_config_outcome outcome;
    struct sr_error err;
    setenv("AVRO_REGISTRY_LISTEN", "::1", 1);
    setenv("AVRO_REGISTRY_PORT", "7000", 1);
    setenv("AVRO_REGISTRY_DB", "env.db", 1);
    setenv("AVRO_REGISTRY_LOG_LEVEL", "warn", 1);
    setenv("AVRO_REGISTRY_MAX_BODY", "512k", 1);
    setenv("AVRO_REGISTRY_THREADS", "5", 1);
    setenv("AVRO_REGISTRY_UI", "off", 1);
    const char *plain[] = {"avro-registry", NULL};
    assert_int_equal(load(&cfg, &outcome, &err, plain), SR_OK);
    assert_string_equal(cfg.listen, "::1");
    assert_int_equal(cfg.port, 7000);
    assert_string_equal(cfg.db_path, "env.db");
    assert_int_equal(cfg.log_level, SR_LOG_WARN);
    assert_int_equal(cfg.max_body_bytes, 512 * 1024);
    assert_int_equal(cfg.threads, 5);
    assert_false(cfg.ui);
    sr_config_release(&cfg);

    /* flags beat the environment, even a bad environment value */
    setenv("AVRO_REGISTRY_PORT", "not-a-port", 1);
    const char *flags[] = {"avro-registry", "--port", "7001", "--db", "flag.db", "--ui=on", NULL};
    assert_int_equal(load(&cfg, &outcome, &err, flags), SR_OK);
    assert_int_equal(cfg.port, 7001);
    assert_true(cfg.ui);
    assert_string_equal(cfg.db_path, "flag.db");
    assert_int_equal(cfg.threads, 5);
    sr_config_release(&cfg);

    /* a bad environment value alone is an error naming the variable */
    expect_failure(plain, "AVRO_REGISTRY_PORT");
}

static void test_help(void **state)
{
    (void)state;
    struct sr_config cfg;
    enum sr_config_outcome outcome;
    struct sr_error err;
    const char *argv[] = {"avro-registry", "--port", "bad", "--help", NULL};
    assert_int_equal(load(&cfg, &outcome, &err, argv), SR_OK);
    assert_int_equal(outcome, SR_CONFIG_HELP);
    sr_config_release(&cfg);
    assert_non_null(strstr(sr_config_usage(), "--max-body-bytes"));
    assert_non_null(strstr(sr_config_usage(), "AVRO_REGISTRY_LOG_LEVEL"));
}

static void test_errors(void **state)
{
    (void)state;
    expect_failure((const char *[]){"r", "--bogus", NULL}, "unknown option '--bogus'");
    expect_failure((const char *[]){"r", "--port", NULL}, "--port needs a value");
    expect_failure((const char *[]){"r", "--port", "70000", NULL}, "--port: '70000'");
    expect_failure((const char *[]){"r", "--port", "-1", NULL}, "not a port");
    expect_failure((const char *[]){"r", "--port", "80x", NULL}, "not a port");
    expect_failure((const char *[]){"r", "--port=", NULL}, "not a port");
    expect_failure((const char *[]){"r", "--threads", "0", NULL}, "thread count");
    expect_failure((const char *[]){"r", "--threads", "100000", NULL}, "thread count");
    expect_failure((const char *[]){"r", "--max-body-bytes", "0", NULL}, "not a size");
    expect_failure((const char *[]){"r", "--max-body-bytes", "2g", NULL}, "not a size");
    expect_failure((const char *[]){"r", "--max-body-bytes", "10q", NULL}, "not a size");
    expect_failure((const char *[]){"r", "--log-level", "verbose", NULL}, "not a log level");
    expect_failure((const char *[]){"r", "--listen", "bad host!", NULL}, "--listen");
    expect_failure((const char *[]){"r", "--listen", "", NULL}, "--listen");
    expect_failure((const char *[]){"r", "--db", "", NULL}, "empty");
    expect_failure((const char *[]){"r", "port", NULL}, "unknown option 'port'");
    expect_failure((const char *[]){"r", "--ui", "maybe", NULL}, "--ui: 'maybe' is not on or off");
}

static void test_value_parsers(void **state)
{
    (void)state;
    size_t size = 0;
    assert_true(sr_config_parse_size("1", &size));
    assert_int_equal(size, 1);
    assert_true(sr_config_parse_size("512k", &size));
    assert_int_equal(size, 512 * 1024);
    assert_true(sr_config_parse_size("16MiB", &size));
    assert_int_equal(size, 16 * 1024 * 1024);
    assert_true(sr_config_parse_size("1G", &size));
    assert_int_equal(size, 1024 * 1024 * 1024);
    assert_false(sr_config_parse_size("1025m", &size));
    assert_false(sr_config_parse_size(" 1", &size));
    assert_false(sr_config_parse_size("+1", &size));
    assert_false(sr_config_parse_size("99999999999999999999999", &size));

    uint16_t port = 1;
    assert_true(sr_config_parse_port("0", &port));
    assert_int_equal(port, 0);
    assert_true(sr_config_parse_port("65535", &port));
    assert_false(sr_config_parse_port("65536", &port));
    assert_false(sr_config_parse_port("", &port));

    assert_true(sr_config_valid_listen("0.0.0.0"));
    assert_true(sr_config_valid_listen("::"));
    assert_true(sr_config_valid_listen("fe80::1"));
    assert_true(sr_config_valid_listen("localhost"));
    assert_true(sr_config_valid_listen("registry.internal-1.example"));
    assert_false(sr_config_valid_listen("-x"));
    assert_false(sr_config_valid_listen("a b"));
    assert_false(sr_config_valid_listen("[::1]"));

    enum sr_log_level level = SR_LOG_INFO;
    assert_true(sr_log_level_parse("Warning", &level));
    assert_int_equal(level, SR_LOG_WARN);
    assert_true(sr_log_level_parse("error", &level));
    assert_int_equal(level, SR_LOG_ERROR);
    assert_false(sr_log_level_parse("trace", &level));
    assert_int_equal(level, SR_LOG_ERROR);
    assert_string_equal(sr_log_level_name(SR_LOG_DEBUG), "debug");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, clear_env),
        cmocka_unit_test_setup(test_flags, clear_env),
        cmocka_unit_test_setup_teardown(test_environment_and_precedence, clear_env, clear_env),
        cmocka_unit_test_setup(test_help, clear_env),
        cmocka_unit_test_setup(test_errors, clear_env),
        cmocka_unit_test(test_value_parsers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
