-- wrk script for GET /v1/agents with the key in AGF_KEY.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("AGF_KEY")
