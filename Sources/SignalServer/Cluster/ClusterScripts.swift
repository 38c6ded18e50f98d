import RedisClient

/// The Lua scripts that change a room's members in Redis, each atomic: whatever two instances
/// do at once, a key has one holder at every moment, and every change is published on the
/// room's events channel (``ClusterEvent``) by the script that makes it, in the order Redis ran
/// them.
///
/// Every script touches only the keys of one room (``ClusterKeys``), passed as `KEYS`. Entries
/// are ``MemberRecord``s.
enum ClusterScripts {
    /// Splits an entry into its eight fields.
    private static let prelude = """
        local function fields(record)
          local f, i = {}, 1
          while true do
            local j = string.find(record, '|', i, true)
            if not j then f[#f + 1] = string.sub(record, i); return f end
            f[#f + 1] = string.sub(record, i, j - 1); i = j + 1
          end
        end

        """

    /// Admits a socket under a key (SPEC v3 § Registry, for the whole cluster).
    ///
    /// KEYS: members, epoch. ARGV: nodeId, instance, socket, proven (`1`/`0`), the room's
    /// maximum, the events channel, `1` to get the members back.
    /// Returns `{'busy'}` (4409: the holder is registered or proven and the socket is not
    /// proven), `{'full'}` (4429), or `{'ok', epoch[, members as HGETALL]}`.
    static let admit = RedisScript(
        prelude + """
            local old = redis.call('HGET', KEYS[1], ARGV[1])
            if old then
              local f = fields(old)
              if ARGV[4] == '0' and (f[5] ~= '-' or f[4] == '1') then return {'busy'} end
            elseif redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[5]) then
              return {'full'}
            end
            local epoch = redis.call('INCR', KEYS[2])
            local record = epoch .. '|' .. ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|-|1||0'
            redis.call('HSET', KEYS[1], ARGV[1], record)
            redis.call('PUBLISH', ARGV[6], 'S' .. record .. '\\n' .. ARGV[1])
            if ARGV[7] == '1' then return {'ok', epoch, redis.call('HGETALL', KEYS[1])} end
            return {'ok', epoch}
            """)

    /// Registers the socket that holds a key, and answers its list.
    ///
    /// KEYS: members, rotation. ARGV: nodeId, instance, socket, role (`n`/`c`), serveConsumers
    /// (`1`/`0`), capacity (empty when unset), the events channel.
    /// Returns `{'gone'}` when the socket no longer holds the key, else `{'ok', list, members}`:
    /// for a normal peer the other registered normal peers, for a consumer the eligible ones
    /// (serving consumers, under capacity) rotated round-robin per room, both in admission
    /// order; `members` as HGETALL.
    static let register = RedisScript(
        prelude + """
            local own = redis.call('HGET', KEYS[1], ARGV[1])
            if not own then return {'gone'} end
            local f = fields(own)
            if f[2] ~= ARGV[2] or f[3] ~= ARGV[3] or f[5] ~= '-' then return {'gone'} end
            f[5] = ARGV[4]; f[6] = ARGV[5]; f[7] = ARGV[6]
            local record = table.concat(f, '|')
            redis.call('HSET', KEYS[1], ARGV[1], record)
            redis.call('PUBLISH', ARGV[7], 'S' .. record .. '\\n' .. ARGV[1])
            local all = redis.call('HGETALL', KEYS[1])
            local listed = {}
            for i = 1, #all, 2 do
              local o = fields(all[i + 1])
              local eligible
              if ARGV[4] == 'n' then
                eligible = o[5] == 'n' and all[i] ~= ARGV[1]
              else
                eligible = o[5] == 'n' and o[6] == '1' and (o[7] == '' or tonumber(o[8]) < tonumber(o[7]))
              end
              if eligible then listed[#listed + 1] = {tonumber(o[1]), all[i]} end
            end
            table.sort(listed, function(a, b) return a[1] < b[1] end)
            local names = {}
            local offset = 0
            if ARGV[4] == 'c' and #listed > 0 then
              offset = (redis.call('INCR', KEYS[2]) - 1) % #listed
            end
            for i = 1, #listed do names[i] = listed[((i - 1 + offset) % #listed) + 1][2] end
            return {'ok', names, all}
            """)

    /// Applies a normal peer's heartbeat to the entry of the socket that holds the key.
    ///
    /// KEYS: members. ARGV: nodeId, instance, socket, sessions, serveConsumers (`1`/`0`),
    /// capacity; an empty value leaves its field as it is.
    static let heartbeat = RedisScript(
        prelude + """
            local own = redis.call('HGET', KEYS[1], ARGV[1])
            if not own then return 0 end
            local f = fields(own)
            if f[2] ~= ARGV[2] or f[3] ~= ARGV[3] or f[5] ~= 'n' then return 0 end
            if ARGV[4] ~= '' then f[8] = ARGV[4] end
            if ARGV[5] ~= '' then f[6] = ARGV[5] end
            if ARGV[6] ~= '' then f[7] = ARGV[6] end
            redis.call('HSET', KEYS[1], ARGV[1], table.concat(f, '|'))
            return 1
            """)

    /// Removes a key if the given socket still holds it; drops the room's counters with its
    /// last member.
    ///
    /// KEYS: members, epoch, rotation. ARGV: nodeId, instance, socket, the events channel.
    static let remove = RedisScript(
        prelude + """
            local own = redis.call('HGET', KEYS[1], ARGV[1])
            if not own then return 0 end
            local f = fields(own)
            if f[2] ~= ARGV[2] or f[3] ~= ARGV[3] then return 0 end
            redis.call('HDEL', KEYS[1], ARGV[1])
            redis.call('PUBLISH', ARGV[4], 'R' .. f[1] .. '\\n' .. ARGV[1])
            if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2], KEYS[3]) end
            return 1
            """)

    /// Makes a room's entries of one instance match the sockets it holds: after Redis came
    /// back (perhaps empty), or to clean up after an instance that died (no sockets given).
    ///
    /// KEYS: members, epoch, rotation. ARGV: instance, the events channel, then per socket
    /// nodeId, socket, proven, role (`-`/`n`/`c`), serveConsumers, capacity, sessions.
    /// Entries of the instance whose socket is not given are removed. A given socket whose key
    /// another instance holds now is not restored: its nodeId comes back in `taken`.
    /// Returns `{taken, epochs (nodeId, epoch, …), members as HGETALL}`.
    static let restore = RedisScript(
        prelude + """
            local given = {}
            for i = 3, #ARGV, 7 do given[ARGV[i]] = ARGV[i + 1] end
            local all = redis.call('HGETALL', KEYS[1])
            for i = 1, #all, 2 do
              local o = fields(all[i + 1])
              if o[2] == ARGV[1] and given[all[i]] ~= o[3] then
                redis.call('HDEL', KEYS[1], all[i])
                redis.call('PUBLISH', ARGV[2], 'R' .. o[1] .. '\\n' .. all[i])
              end
            end
            local taken, epochs = {}, {}
            for i = 3, #ARGV, 7 do
              local old = redis.call('HGET', KEYS[1], ARGV[i])
              if old and fields(old)[2] ~= ARGV[1] then
                taken[#taken + 1] = ARGV[i]
              else
                local epoch = redis.call('INCR', KEYS[2])
                local record = table.concat({epoch, ARGV[1], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6]}, '|')
                redis.call('HSET', KEYS[1], ARGV[i], record)
                redis.call('PUBLISH', ARGV[2], 'S' .. record .. '\\n' .. ARGV[i])
                epochs[#epochs + 1] = ARGV[i]; epochs[#epochs + 1] = epoch
              end
            end
            if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[2], KEYS[3]) end
            return {taken, epochs, redis.call('HGETALL', KEYS[1])}
            """)

    /// Every script, loaded on each connection before it counts as connected.
    static let all = [admit, register, heartbeat, remove, restore]
}
