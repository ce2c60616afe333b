// The kit's functions run on the apiv3 provider in this jest project (see jest.config.js).
process.env.PAYKIT_TEST_PROVIDER = 'apiv3';
